import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { publicKeyFromPem } from './ed25519-key.js';

test('an Ed25519 SPKI PEM imports to the same key, which verifies the holder’s signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key = publicKeyFromPem(pem);
  assert.equal(key.asymmetricKeyType, 'ed25519');
  assert.deepEqual(key.export({ type: 'spki', format: 'der' }), publicKey.export({ type: 'spki', format: 'der' }));
  const message = Buffer.from('siteport challenge');
  assert.equal(verify(null, message, key, sign(null, message, privateKey)), true);
  assert.equal(verify(null, Buffer.from('another message'), key, sign(null, message, privateKey)), false);
});

test('a key of another type, or with CRLF line ends, still imports through the decoder', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assert.equal(publicKeyFromPem(ec.export({ type: 'spki', format: 'pem' }).toString()).asymmetricKeyType, 'ec');
  const ed = generateKeyPairSync('ed25519').publicKey;
  const crlf = ed.export({ type: 'spki', format: 'pem' }).toString().replace(/\n/g, '\r\n');
  assert.deepEqual(
    publicKeyFromPem(crlf).export({ type: 'spki', format: 'der' }),
    ed.export({ type: 'spki', format: 'der' }),
  );
});

test('text that is no key is refused', () => {
  assert.throws(() => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'));
  assert.throws(() => publicKeyFromPem('not a key'));
});
