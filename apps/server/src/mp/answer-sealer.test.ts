import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { SiteportError } from '@siteport/protocol';
import { JsonText } from '../http/respond.js';
import { AnswerSealer, type AnswerRequest } from './answer-sealer.js';
import { MpEpoch } from './mp-epoch.js';

// The agent half is written here from the protocol text alone (answer-auth.ts), not with the agent's code.
const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sealer = new AnswerSealer({
  signer: { caKeyPem: ca.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  epoch: new MpEpoch({ restarted: false }),
});
const request: AnswerRequest = {
  method: 'GET',
  path: '/mp/v1/policy',
  clientId: 'client-1',
  sessionId: 'abc',
  nonce: 'n'.repeat(44),
};
const body = Buffer.from('{"settingsVersion":7}');
const prefix = (status: number, r: AnswerRequest) =>
  ['siteport-answer-v1', String(status), r.method, r.path, r.clientId, r.sessionId, r.nonce, ''].join('\n');

/** A response object that records what is written. */
function recorder() {
  const out: { status?: number; headers: Record<string, unknown>; body?: Buffer | undefined; headersSent: boolean } = {
    headers: {},
    headersSent: false,
  };
  const res = {
    get headersSent() {
      return out.headersSent;
    },
    setHeader: (name: string, value: unknown) => void (out.headers[name] = value),
    writeHead: (status: number, headers: Record<string, unknown>) => {
      out.status = status;
      Object.assign(out.headers, headers);
      out.headersSent = true;
    },
    end: (chunk?: string | Buffer) => void (out.body = chunk === undefined ? undefined : Buffer.from(chunk)),
    destroy: () => undefined,
  };
  return { res: res as never, out };
}

describe('AnswerSealer', () => {
  it('MACs an answer with the session key over status, request and the exact body bytes', () => {
    const key = randomBytes(32);
    const [name, value] = sealer.seal({ kind: 'mac', key, request }, 200, JsonText.of(body));
    assert.equal(name, 'x-siteport-answer-mac');
    assert.equal(value, createHmac('sha256', key).update(prefix(200, request)).update(body).digest('base64url'));
  });

  it('signs an answer to a signed request with the site CA key, verifiable with the CA public key and bound to the nonce', () => {
    const signed = { ...request, sessionId: '' };
    const [name, value] = sealer.seal({ kind: 'signature', request: signed }, 200, JsonText.of(body));
    assert.equal(name, 'x-siteport-answer-signature');
    const bytes = (r: AnswerRequest) => Buffer.concat([Buffer.from(prefix(200, r)), body]);
    assert.ok(verify('sha256', bytes(signed), ca.publicKey, Buffer.from(value, 'base64')));
    assert.ok(
      !verify('sha256', bytes({ ...signed, nonce: 'o'.repeat(44) }), ca.publicKey, Buffer.from(value, 'base64')),
    );
  });

  it('sends a sealed JSON answer with its length and names the epoch on every answer', () => {
    const { res, out } = recorder();
    sealer.send(res, 200, { settingsVersion: 7 }, { kind: 'mac', key: randomBytes(32), request });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, body);
    assert.equal(out.headers['content-length'], body.length);
    assert.ok(typeof out.headers['x-siteport-answer-mac'] === 'string');
    assert.match(String(out.headers['x-siteport-epoch']), /^[A-Za-z0-9_-]{22}$/);
  });

  it('signs an E_UNKNOWN_CLIENT answer bound to the request headers, and sends other errors as they are', () => {
    const req = {
      method: 'GET',
      url: '/mp/v1/policy',
      headers: { 'x-siteport-client': 'client-1', 'x-siteport-nonce': 'n'.repeat(22) },
    } as never;
    const unknown = recorder();
    sealer.sendError(req, unknown.res, new SiteportError('E_UNKNOWN_CLIENT', 'gone'));
    assert.equal(unknown.out.status, 401);
    const signed = Buffer.concat([
      Buffer.from(
        prefix(401, {
          method: 'GET',
          path: '/mp/v1/policy',
          clientId: 'client-1',
          sessionId: '',
          nonce: 'n'.repeat(22),
        }),
      ),
      unknown.out.body!,
    ]);
    assert.ok(
      verify(
        'sha256',
        signed,
        ca.publicKey,
        Buffer.from(String(unknown.out.headers['x-siteport-answer-signature']), 'base64'),
      ),
    );
    const expired = recorder();
    sealer.sendError(req, expired.res, new SiteportError('E_SESSION_EXPIRED', 'reopen'));
    assert.equal(expired.out.status, 401);
    assert.equal(expired.out.headers['x-siteport-answer-signature'], undefined);
  });
});

describe('MpEpoch', () => {
  it('admits a nonce bound to its own epoch and refuses one bound to another, whatever the timestamp', () => {
    const epoch = new MpEpoch({ restarted: true });
    const random = randomBytes(16).toString('base64url');
    assert.ok(epoch.admits(`${epoch.id}${random}`, Date.now()));
    assert.ok(!epoch.admits(`${new MpEpoch({ restarted: true }).id}${random}`, Date.now() + 3_600_000));
  });

  it('after a restart admits an unbound nonce only with a timestamp a full window past the start; the first start admits it at once', () => {
    const startedAt = 1_000_000;
    const restarted = new MpEpoch({ restarted: true, startedAt });
    const random = randomBytes(16).toString('base64url');
    assert.ok(!restarted.admits(random, startedAt));
    assert.ok(!restarted.admits(random, startedAt + 299_999));
    assert.ok(restarted.admits(random, startedAt + 300_000));
    assert.ok(new MpEpoch({ restarted: false, startedAt }).admits(random, startedAt - 60_000));
  });
});
