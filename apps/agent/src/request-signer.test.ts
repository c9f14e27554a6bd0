import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { SIGNATURE_HEADERS, canonicalRequest } from '@siteport/protocol';
import { createRequestSigner, sha256Hex } from './request-signer.js';

describe('createRequestSigner', () => {
  it('signs the canonical request with the body hash, and a fresh nonce each time', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const sign = createRequestSigner('client-1', privateKey);
    const body = Buffer.from('{"a":1}');
    const headers = sign({ method: 'POST', path: '/mp/v1/heartbeat?x=1', body, host: 'mp1' });
    const canonical = canonicalRequest({
      method: 'POST',
      path: '/mp/v1/heartbeat?x=1',
      clientId: 'client-1',
      timestamp: headers[SIGNATURE_HEADERS.timestamp] ?? '',
      nonce: headers[SIGNATURE_HEADERS.nonce] ?? '',
      bodySha256: sha256Hex(body),
    });
    const signature = Buffer.from(headers[SIGNATURE_HEADERS.signature] ?? '', 'base64');
    assert.ok(
      verify(
        null,
        Buffer.from(canonical),
        createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
        signature,
      ),
    );
    assert.equal(headers[SIGNATURE_HEADERS.client], 'client-1');
    assert.match(headers[SIGNATURE_HEADERS.nonce] ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(
      sign({ method: 'POST', path: '/', body, host: 'mp1' })[SIGNATURE_HEADERS.nonce],
      headers[SIGNATURE_HEADERS.nonce],
    );
  });
  it('hashes an empty body as the SHA-256 of nothing', () => {
    assert.equal(sha256Hex(new Uint8Array()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
