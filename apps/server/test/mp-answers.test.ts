import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { answerProblem, certificateKey, requestNonce, sessionHeaders, startClientSession } from '@siteport/agent';
import {
  ANSWER_HEADERS,
  CLIENT_SESSION_PATH,
  type ClientSessionResponse,
  EPOCH_HEADER,
  type PortsView,
  type RegisterResponse,
} from '@siteport/protocol';
import { TestMpClient } from '../../../test-support/mp-client.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

const POLICY = '/mp/v1/policy';
const HEARTBEAT = '/mp/v1/heartbeat';
const REGISTER = '/mp/v1/register';

interface Exchange {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: Buffer;
  json: any;
}

/** One raw request over real HTTP, keeping the answer's exact bytes and headers. */
function exchange(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes,
            json: bytes.length === 0 ? undefined : JSON.parse(bytes.toString('utf8')),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function site(
  t: Parameters<typeof startTestServer>[0],
  dataDir?: string,
): Promise<{ srv: TestServer; port: number; caPem: string }> {
  const srv = await startTestServer(t, dataDir === undefined ? {} : { dataDir });
  const port = (await srv.admin<PortsView>('GET', '/sites/PS1/ports')).body.http.default;
  const ca = await exchange(port, 'GET', '/mp/v1/ca', {});
  return { srv, port, caPem: ca.json.caCertificate as string };
}

/** Registers a client with a signed request (nonce bound to `epoch` when given). */
async function register(port: number, client: TestMpClient, epoch?: string): Promise<Exchange> {
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'replayed',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const headers = client.signedHeaders('POST', REGISTER, body, { nonce: requestNonce(epoch) });
  const answer = await exchange(port, 'POST', REGISTER, headers, body);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  client.clientId = (answer.json as RegisterResponse).clientId;
  return answer;
}

const beat = Buffer.from(JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'replayed' }));

describe('management point answers and replays across a restart (decision 0092)', () => {
  it('refuses a signed heartbeat captured before the management point restarted when it is replayed to the restarted one, with or without an epoch in its nonce', async (t) => {
    const first = await site(t);
    const client = new TestMpClient();
    const registration = await register(first.port, client);
    const epoch = registration.headers[EPOCH_HEADER] as string;
    assert.match(epoch, /^[A-Za-z0-9_-]{22}$/);
    // Two signed heartbeats as an eavesdropper captures them: an older agent's (random nonce) and a current one's (bound to the epoch).
    const unbound = { headers: client.signedHeaders('POST', HEARTBEAT, beat), body: beat };
    const bound = {
      headers: client.signedHeaders('POST', HEARTBEAT, beat, { nonce: requestNonce(epoch) }),
      body: beat,
    };
    assert.equal((await exchange(first.port, 'POST', HEARTBEAT, unbound.headers, unbound.body)).status, 200);
    assert.equal((await exchange(first.port, 'POST', HEARTBEAT, bound.headers, bound.body)).status, 200);
    assert.equal(
      (await exchange(first.port, 'POST', HEARTBEAT, bound.headers, bound.body)).json.error.code,
      'E_REPLAY',
      'the running process remembers the nonce',
    );

    await first.srv.stop();
    const again = await site(t, first.srv.dataDir);
    for (const captured of [unbound, bound]) {
      const replayed = await exchange(again.port, 'POST', HEARTBEAT, captured.headers, captured.body);
      assert.equal(replayed.status, 401, JSON.stringify(replayed.json));
      assert.equal(replayed.json.error.code, 'E_MP_EPOCH');
    }
    // A current agent learns the new epoch from any answer and is accepted at once.
    const fresh = await exchange(again.port, 'GET', '/mp/v1/ca', {});
    const newEpoch = fresh.headers[EPOCH_HEADER] as string;
    assert.notEqual(newEpoch, epoch);
    const current = await exchange(
      again.port,
      'POST',
      HEARTBEAT,
      client.signedHeaders('POST', HEARTBEAT, beat, { nonce: requestNonce(newEpoch) }),
      beat,
    );
    assert.equal(current.status, 200, JSON.stringify(current.json));
  });

  it('signs the registration answer and the session answer with the site CA, MACs policy with the session key, and the agent refuses each once altered', async (t) => {
    const { port, caPem } = await site(t);
    const site_ = certificateKey(caPem);
    const client = new TestMpClient();
    const check = (
      method: string,
      path: string,
      sent: Record<string, string>,
      answer: Exchange,
      session?: Buffer,
      body = answer.bytes,
    ) =>
      answerProblem(
        { method, path, headers: sent },
        {
          status: answer.status,
          headers: answer.headers,
          body,
          ...(answer.status >= 300 ? { code: answer.json.error.code } : {}),
        },
        { session, site: site_, pinnedTls: false },
      );

    const regBody = Buffer.from(
      JSON.stringify({
        siteCode: 'PS1',
        hostname: 'checked',
        publicKey: client.publicKeyPem,
        category: 'workgroup',
        agentVersion: 'test',
      }),
    );
    const regHeaders = client.signedHeaders('POST', REGISTER, regBody);
    const registration = await exchange(port, 'POST', REGISTER, regHeaders, regBody);
    assert.equal(registration.status, 200);
    assert.ok(registration.headers[ANSWER_HEADERS.signature] !== undefined);
    assert.equal(check('POST', REGISTER, regHeaders, registration), undefined);
    const forgedPolicy = Buffer.from(
      registration.bytes.toString().replace('"settingsVersion":1', '"settingsVersion":134'),
    );
    assert.match(check('POST', REGISTER, regHeaders, registration, undefined, forgedPolicy) ?? '', /does not verify/);
    assert.match(
      check('POST', REGISTER, { ...regHeaders, 'x-siteport-nonce': requestNonce(undefined) }, registration) ?? '',
      /does not verify/,
      'bound to the request nonce',
    );
    client.clientId = (registration.json as RegisterResponse).clientId;

    const pending = startClientSession(client.clientId);
    const openBody = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const openHeaders = client.signedHeaders('POST', CLIENT_SESSION_PATH, openBody);
    const opened = await exchange(port, 'POST', CLIENT_SESSION_PATH, openHeaders, openBody);
    assert.equal(check('POST', CLIENT_SESSION_PATH, openHeaders, opened), undefined);
    const swapped = Buffer.from(
      JSON.stringify({ ...opened.json, publicKey: startClientSession(client.clientId).publicKey }),
    );
    assert.match(
      check('POST', CLIENT_SESSION_PATH, openHeaders, opened, undefined, swapped) ?? '',
      /does not verify/,
      'an MP key swapped on the way is refused',
    );
    const session = pending.finish(opened.json as ClientSessionResponse);

    const policyHeaders = sessionHeaders(session, 'GET', POLICY, Buffer.alloc(0));
    const policy = await exchange(port, 'GET', POLICY, policyHeaders);
    assert.equal(policy.status, 200);
    assert.equal(check('GET', POLICY, policyHeaders, policy, session.key), undefined);
    const forged = Buffer.from(policy.bytes.toString().replace('"settingsVersion":1', '"settingsVersion":134'));
    assert.match(check('GET', POLICY, policyHeaders, policy, session.key, forged) ?? '', /MAC does not verify/);
    const stripped = { ...policy, headers: { ...policy.headers, [ANSWER_HEADERS.mac]: undefined } };
    assert.match(
      check('GET', POLICY, policyHeaders, stripped, session.key) ?? '',
      /neither a session MAC nor a site signature/,
    );
    // The MAC of one answer does not fit the next request (another nonce): no replaying old answers.
    const next = sessionHeaders(session, 'GET', POLICY, Buffer.alloc(0));
    assert.match(check('GET', POLICY, next, policy, session.key) ?? '', /MAC does not verify/);

    const beatHeaders = sessionHeaders(session, 'POST', HEARTBEAT, beat);
    const heartbeat = await exchange(port, 'POST', HEARTBEAT, beatHeaders, beat);
    assert.equal(check('POST', HEARTBEAT, beatHeaders, heartbeat, session.key), undefined);
  });

  it('signs an E_UNKNOWN_CLIENT answer, which makes an agent register again, and names its epoch on every answer', async (t) => {
    const { port, caPem } = await site(t);
    const stranger = new TestMpClient();
    stranger.clientId = '00000000-0000-4000-8000-000000000000';
    const headers = stranger.signedHeaders('GET', POLICY, Buffer.alloc(0));
    const refused = await exchange(port, 'GET', POLICY, headers);
    assert.equal(refused.json.error.code, 'E_UNKNOWN_CLIENT');
    assert.match(refused.headers[EPOCH_HEADER] as string, /^[A-Za-z0-9_-]{22}$/);
    const check = (body: Buffer) =>
      answerProblem(
        { method: 'GET', path: POLICY, headers },
        { status: refused.status, headers: refused.headers, body, code: 'E_UNKNOWN_CLIENT' },
        { session: undefined, site: certificateKey(caPem), pinnedTls: false },
      );
    assert.equal(check(refused.bytes), undefined);
    assert.match(
      check(Buffer.from(refused.bytes.toString().replace('not registered', 'NOT registered'))) ?? '',
      /does not verify/,
    );
  });
});
