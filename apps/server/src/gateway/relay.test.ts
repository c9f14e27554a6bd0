import assert from 'node:assert/strict';
import { type KeyPairKeyObjectResult, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import {
  type GatewayClientKey,
  REGISTRATION_CLIENT_ID,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  canonicalRequest,
} from '@siteport/protocol';
import { SourceRateLimit } from '../mp/index.js';
import { GatewayClientKeys } from './client-keys.js';
import { createGatewayVerifier } from './gateway-verifier.js';
import { Relay } from './relay.js';
import type { UpstreamRequest } from './upstreams.js';

const POLICY = '/mp/v1/policy';
const HEARTBEAT = '/mp/v1/heartbeat';
const BEAT = Buffer.from('{"settingsVersion":1,"agentState":"running","hostname":"a"}');

type Pair = KeyPairKeyObjectResult;

function signedHeaders(
  clientId: string,
  pair: Pair,
  method: string,
  path: string,
  body: Buffer,
): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('base64url');
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  const signature = sign(
    null,
    Buffer.from(canonicalRequest({ method, path, clientId, timestamp, nonce, bodySha256 })),
    pair.privateKey,
  ).toString('base64');
  return {
    [SIGNATURE_HEADERS.client]: clientId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

/**
 * A relay with the gateway's real verifier over an in-memory site, behind a real HTTP listener;
 * the upstream only records what would have been sent on, so every refusal can be checked to
 * have forwarded nothing.
 */
describe('gateway relay: only verified /mp/v1 requests of registered, not blocked clients go on', () => {
  const site = new Map<string, GatewayClientKey>();
  const forwarded: UpstreamRequest[] = [];
  const alice = generateKeyPairSync('ed25519');
  const mallory = generateKeyPairSync('ed25519');
  const blocked = generateKeyPairSync('ed25519');
  const pem = (p: Pair): string => p.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let base = '';
  let server: http.Server;

  before(async () => {
    site.set('alice', { id: 'alice', status: 'active', publicKey: pem(alice) });
    site.set('bob', { id: 'bob', status: 'blocked', publicKey: pem(blocked) });
    const keys = new GatewayClientKeys({ source: { clientKey: (id) => Promise.resolve(site.get(id)) }, ttlMs: 0 });
    const { verifier } = createGatewayVerifier(keys);
    const relay = new Relay({
      verifier,
      upstreams: {
        forward: (request, res) => {
          forwarded.push(request);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return Promise.resolve();
        },
      },
      registrations: new SourceRateLimit({ what: 'registrations', perMinute: 0 }),
      limits: { maxBodyBytes: 4096, maxConcurrent: 8 },
      logger: pino({ level: 'silent' }),
    });
    server = http.createServer((req, res) => relay.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function send(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<{ status: number; code: string | undefined }> {
    const before = forwarded.length;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const json = (await res.json()) as { error?: { code?: string } };
    if (res.status !== 200) assert.equal(forwarded.length, before, `${method} ${path} was refused but forwarded`);
    return { status: res.status, code: json.error?.code };
  }

  it('relays a request signed by a registered client, and the public site CA', async () => {
    const ok = await send('GET', POLICY, signedHeaders('alice', alice, 'GET', POLICY, Buffer.alloc(0)));
    assert.deepEqual(ok, { status: 200, code: undefined });
    const beat = await send('POST', HEARTBEAT, signedHeaders('alice', alice, 'POST', HEARTBEAT, BEAT), BEAT);
    assert.equal(beat.status, 200);
    assert.equal((await send('GET', '/mp/v1/ca')).status, 200);
    assert.equal(forwarded.at(-2)?.affinity, 'alice');
  });

  it('refuses an unauthenticated request', async () => {
    assert.deepEqual(await send('GET', POLICY), { status: 401, code: 'E_UNSIGNED' });
  });

  it('refuses a forged signature (another key under a registered id) and a tampered body', async () => {
    const forged = await send('GET', POLICY, signedHeaders('alice', mallory, 'GET', POLICY, Buffer.alloc(0)));
    assert.deepEqual(forged, { status: 401, code: 'E_BAD_SIGNATURE' });
    const headers = signedHeaders('alice', alice, 'POST', HEARTBEAT, BEAT);
    const tampered = Buffer.from(BEAT.toString().replace('running', 'stopped'));
    assert.deepEqual(await send('POST', HEARTBEAT, headers, tampered), { status: 401, code: 'E_BAD_SIGNATURE' });
  });

  it('refuses a replayed request', async () => {
    const headers = signedHeaders('alice', alice, 'GET', POLICY, Buffer.alloc(0));
    assert.equal((await send('GET', POLICY, headers)).status, 200);
    assert.deepEqual(await send('GET', POLICY, headers), { status: 401, code: 'E_REPLAY' });
  });

  it('refuses a session MAC it cannot verify', async () => {
    const headers = {
      [SIGNATURE_HEADERS.client]: 'alice',
      [SIGNATURE_HEADERS.timestamp]: String(Date.now()),
      [SIGNATURE_HEADERS.nonce]: randomBytes(16).toString('base64url'),
      [SESSION_HEADERS.session]: 'made-up-session',
      [SESSION_HEADERS.mac]: randomBytes(32).toString('base64url'),
    };
    assert.deepEqual(await send('GET', POLICY, headers), { status: 401, code: 'E_GATEWAY_SIGNED_ONLY' });
  });

  it('refuses an unknown and a blocked client, even with a valid signature', async () => {
    const unknown = await send('GET', POLICY, signedHeaders('mallory', mallory, 'GET', POLICY, Buffer.alloc(0)));
    assert.deepEqual(unknown, { status: 401, code: 'E_UNKNOWN_CLIENT' });
    const bob = await send('GET', POLICY, signedHeaders('bob', blocked, 'GET', POLICY, Buffer.alloc(0)));
    assert.deepEqual(bob, { status: 403, code: 'E_CLIENT_BLOCKED' });
  });

  it('refuses paths outside /mp/v1: the admin API, the console, dot segments, escapes, paths it does not relay', async () => {
    const bearer = { authorization: 'Bearer spt_x' };
    for (const path of [
      '/api/v1/sites',
      '/api/v1/tokens',
      '/console/',
      '/mp/v1/../api/v1/sites',
      '/mp/v1/%2e%2e/api/v1/sites',
      '/mp/v1//policy',
      '/mp/v1/POLICY',
      '/mp/v1/probe',
      '/mp/v1/notify/session',
      '/mp/v1/notify/poll',
      '/mp/v1/policy?x=%00',
    ]) {
      const headers = { ...bearer, ...signedHeaders('alice', alice, 'GET', path, Buffer.alloc(0)) };
      assert.deepEqual(await send('GET', path, headers), { status: 404, code: 'E_GATEWAY_PATH' }, path);
    }
  });

  it('refuses a request naming another host (absolute form) and methods other than GET and POST', async () => {
    const port = new URL(base).port;
    const absolute = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: 'http://169.254.169.254/latest/meta-data',
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(absolute.status, 404);
    assert.match(absolute.body, /E_GATEWAY_PATH/);
    const put = await send('PUT', POLICY, signedHeaders('alice', alice, 'PUT', POLICY, Buffer.alloc(0)));
    assert.deepEqual(put, { status: 405, code: 'E_METHOD_NOT_ALLOWED' });
  });

  it('refuses a body over the limit before reading or verifying it', async () => {
    const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(8192) }));
    const headers = signedHeaders('alice', alice, 'POST', HEARTBEAT, big);
    assert.deepEqual(await send('POST', HEARTBEAT, headers, big), { status: 413, code: 'E_PAYLOAD_TOO_LARGE' });
  });

  it('relays a registration only when it is signed with the key it registers', async () => {
    const fresh = generateKeyPairSync('ed25519');
    const body = Buffer.from(
      JSON.stringify({
        siteCode: 'PS1',
        hostname: 'outside-1',
        publicKey: pem(fresh),
        category: 'workgroup',
        agentVersion: '1.0.0',
      }),
    );
    const path = '/mp/v1/register';
    const good = await send('POST', path, signedHeaders(REGISTRATION_CLIENT_ID, fresh, 'POST', path, body), body);
    assert.equal(good.status, 200);
    const other = await send('POST', path, signedHeaders(REGISTRATION_CLIENT_ID, mallory, 'POST', path, body), body);
    assert.deepEqual(other, { status: 401, code: 'E_BAD_SIGNATURE' });
  });
});

describe('gateway relay: bounded', () => {
  it('refuses a request over the concurrency limit with E_GATEWAY_BUSY and Retry-After, and relays again once one ends', async () => {
    const pair = generateKeyPairSync('ed25519');
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keys = new GatewayClientKeys({
      source: { clientKey: (id) => Promise.resolve({ id, status: 'active' as const, publicKey }) },
    });
    let release: () => void = () => undefined;
    let forwards = 0;
    const relay = new Relay({
      verifier: createGatewayVerifier(keys).verifier,
      upstreams: {
        forward: (_request, res) => {
          forwards += 1;
          return new Promise<void>((resolve) => {
            release = () => {
              res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
              resolve();
            };
          });
        },
      },
      registrations: new SourceRateLimit({ what: 'registrations', perMinute: 0 }),
      limits: { maxBodyBytes: 4096, maxConcurrent: 1 },
      logger: pino({ level: 'silent' }),
    });
    const server = http.createServer((req, res) => relay.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${POLICY}`;
    const get = () => fetch(url, { headers: signedHeaders('c1', pair, 'GET', POLICY, Buffer.alloc(0)) });
    const first = get();
    while (forwards === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await get();
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('retry-after'), '1');
    assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'E_GATEWAY_BUSY');
    release();
    assert.equal((await first).status, 200);
    const third = get();
    while (forwards < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    assert.equal((await third).status, 200);
    assert.deepEqual(relay.counts(), { relayed: 2, refused: 1, inFlight: 0 });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('gateway client keys', () => {
  it('holds keys and unknown ids for the TTL and refuses a blocked client once the TTL passed', async () => {
    let now = 0;
    let reads = 0;
    const pair = generateKeyPairSync('ed25519');
    const record: GatewayClientKey = {
      id: 'c1',
      status: 'active',
      publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    const keys = new GatewayClientKeys({
      source: {
        clientKey: (id) => {
          reads += 1;
          return Promise.resolve(id === 'c1' ? { ...record } : undefined);
        },
      },
      ttlMs: 1000,
      now: () => now,
    });
    assert.equal((await keys.known('c1'))?.id, 'c1');
    assert.equal(await keys.known('nobody'), undefined);
    await keys.known('c1');
    await keys.known('nobody');
    assert.equal(reads, 2, 'each read once within the TTL');
    record.status = 'blocked';
    now = 1001;
    await assert.rejects(keys.known('c1'), { code: 'E_CLIENT_BLOCKED' });
    assert.equal(await keys.known('../etc'), undefined, 'an id that is not an id is not looked up');
    assert.equal(reads, 3);
  });
});
