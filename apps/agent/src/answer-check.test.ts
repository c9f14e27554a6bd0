import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { ANSWER_HEADERS, SESSION_HEADERS, SIGNATURE_HEADERS } from '@siteport/protocol';
import { type SentRequest, answerProblem } from './answer-check.js';

// The MP half is written here from the protocol text alone (answer-auth.ts), not with the server's code.
const site = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sessionKey = randomBytes(32);
const body = Buffer.from('{"settingsVersion":1}');

function prefix(status: number, sent: SentRequest): string {
  const h = sent.headers;
  return [
    'siteport-answer-v1',
    String(status),
    sent.method,
    sent.path,
    h[SIGNATURE_HEADERS.client],
    h[SESSION_HEADERS.session] ?? '',
    h[SIGNATURE_HEADERS.nonce],
    '',
  ].join('\n');
}
const macOf = (status: number, sent: SentRequest, bytes = body, key = sessionKey) =>
  createHmac('sha256', key).update(prefix(status, sent)).update(bytes).digest('base64url');
const signatureOf = (status: number, sent: SentRequest, bytes = body, key = site.privateKey) =>
  sign('sha256', Buffer.concat([Buffer.from(prefix(status, sent)), bytes]), key).toString('base64');

const macRequest: SentRequest = {
  method: 'GET',
  path: '/mp/v1/policy',
  headers: {
    [SIGNATURE_HEADERS.client]: 'client-1',
    [SIGNATURE_HEADERS.nonce]: 'n'.repeat(22),
    [SESSION_HEADERS.session]: 's'.repeat(22),
  },
};
const signedRequest: SentRequest = {
  method: 'POST',
  path: '/mp/v1/register',
  headers: { [SIGNATURE_HEADERS.client]: 'register', [SIGNATURE_HEADERS.nonce]: 'm'.repeat(44) },
};
const keys = { session: sessionKey, site: site.publicKey, pinnedTls: false };

describe('answerProblem', () => {
  it('accepts an answer whose MAC covers status, request and body with the session key', () => {
    assert.equal(
      answerProblem(macRequest, { status: 200, headers: { [ANSWER_HEADERS.mac]: macOf(200, macRequest) }, body }, keys),
      undefined,
    );
  });

  it('refuses a MAC over another body, another status, another nonce or with another key', () => {
    const other = { ...macRequest, headers: { ...macRequest.headers, [SIGNATURE_HEADERS.nonce]: 'o'.repeat(22) } };
    for (const mac of [
      macOf(200, macRequest, Buffer.from('{"settingsVersion":134}')),
      macOf(201, macRequest),
      macOf(200, other),
      macOf(200, macRequest, body, randomBytes(32)),
      'short',
    ]) {
      assert.match(
        answerProblem(macRequest, { status: 200, headers: { [ANSWER_HEADERS.mac]: mac }, body }, keys) ?? '',
        /MAC does not verify/,
      );
    }
  });

  it('refuses an answer without MAC or signature over plain HTTP, and accepts it over TLS with the pinned CA (an MP older than the check)', () => {
    assert.match(
      answerProblem(macRequest, { status: 200, headers: {}, body }, keys) ?? '',
      /neither a session MAC nor a site signature/,
    );
    assert.equal(
      answerProblem(macRequest, { status: 200, headers: {}, body }, { ...keys, pinnedTls: true }),
      undefined,
    );
    assert.match(
      answerProblem(
        macRequest,
        { status: 200, headers: { [ANSWER_HEADERS.mac]: 'A'.repeat(43) }, body },
        { ...keys, pinnedTls: true },
      ) ?? '',
      /MAC does not verify/,
      'a MAC that is there must verify, also over TLS',
    );
  });

  it('accepts the site signature on the answer to a signed request and refuses another key, a MAC in its place and an altered body', () => {
    assert.equal(
      answerProblem(
        signedRequest,
        { status: 200, headers: { [ANSWER_HEADERS.signature]: signatureOf(200, signedRequest) }, body },
        keys,
      ),
      undefined,
    );
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.match(
      answerProblem(
        signedRequest,
        { status: 200, headers: { [ANSWER_HEADERS.signature]: signatureOf(200, signedRequest, body, attacker) }, body },
        keys,
      ) ?? '',
      /does not verify/,
    );
    assert.match(
      answerProblem(
        signedRequest,
        { status: 200, headers: { [ANSWER_HEADERS.mac]: macOf(200, signedRequest) }, body },
        keys,
      ) ?? '',
      /no site signature/,
    );
    assert.match(
      answerProblem(
        signedRequest,
        {
          status: 200,
          headers: { [ANSWER_HEADERS.signature]: signatureOf(200, signedRequest) },
          body: Buffer.from('{"settingsVersion":134}'),
        },
        keys,
      ) ?? '',
      /does not verify/,
    );
    assert.match(
      answerProblem(
        signedRequest,
        { status: 200, headers: { [ANSWER_HEADERS.signature]: signatureOf(200, signedRequest) }, body },
        { ...keys, site: undefined },
      ) ?? '',
      /no site CA is pinned/,
    );
  });

  it('demands the site signature on E_UNKNOWN_CLIENT, even to a MAC request, and lets other error answers through', () => {
    const error = Buffer.from('{"error":{"code":"E_UNKNOWN_CLIENT","message":"gone"}}');
    assert.match(
      answerProblem(macRequest, { status: 401, headers: {}, body: error, code: 'E_UNKNOWN_CLIENT' }, keys) ?? '',
      /neither/,
    );
    assert.match(
      answerProblem(
        macRequest,
        {
          status: 401,
          headers: { [ANSWER_HEADERS.mac]: macOf(401, macRequest, error) },
          body: error,
          code: 'E_UNKNOWN_CLIENT',
        },
        keys,
      ) ?? '',
      /no site signature/,
    );
    assert.equal(
      answerProblem(
        macRequest,
        {
          status: 401,
          headers: { [ANSWER_HEADERS.signature]: signatureOf(401, macRequest, error) },
          body: error,
          code: 'E_UNKNOWN_CLIENT',
        },
        keys,
      ),
      undefined,
    );
    assert.equal(
      answerProblem(macRequest, { status: 401, headers: {}, body, code: 'E_SESSION_EXPIRED' }, keys),
      undefined,
    );
  });

  it('demands the site signature on waiting-approval, blocked and retired answers, so a proxy cannot make the client show them', () => {
    for (const code of ['E_CLIENT_PENDING', 'E_CLIENT_BLOCKED', 'E_CLIENT_RETIRED']) {
      const error = Buffer.from(JSON.stringify({ error: { code, message: 'forged' } }));
      assert.match(
        answerProblem(macRequest, { status: 403, headers: {}, body: error, code }, keys) ?? '',
        /neither/,
        code,
      );
      const signed = { [ANSWER_HEADERS.signature]: signatureOf(403, macRequest, error) };
      assert.equal(
        answerProblem(macRequest, { status: 403, headers: signed, body: error, code }, keys),
        undefined,
        code,
      );
      // A signature over another status does not carry over.
      const moved = { [ANSWER_HEADERS.signature]: signatureOf(401, macRequest, error) };
      assert.match(
        answerProblem(macRequest, { status: 403, headers: moved, body: error, code }, keys) ?? '',
        /does not verify/,
        code,
      );
    }
  });
});
