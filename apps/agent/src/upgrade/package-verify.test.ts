import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { agentPackageSigningString } from '@siteport/protocol';
import { releaseKeyId, verifyPackage } from './package-verify.js';

function keyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function signatureFile(data: Buffer, version: string, key: { publicPem: string; privatePem: string }): string {
  const signed = {
    format: 1 as const,
    version,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
    keyId: releaseKeyId(key.publicPem),
  };
  const signature = sign(null, Buffer.from(agentPackageSigningString(signed)), key.privatePem).toString('base64');
  return JSON.stringify({ ...signed, signature });
}

const release = keyPair();
const data = Buffer.from('a package of some bytes');
const expect = { releaseKeyPem: release.publicPem, version: '0.2.0', runningVersion: '0.1.0', allowDowngrade: false };

test('accepts a package the pinned release key signed for the offered, newer version', () => {
  const sig = verifyPackage(data, signatureFile(data, '0.2.0', release), expect);
  assert.equal(sig.version, '0.2.0');
});

test('refuses a tampered package: one byte changed after signing', () => {
  const sig = signatureFile(data, '0.2.0', release);
  const tampered = Buffer.from(data);
  tampered[3] = (tampered[3] ?? 0) ^ 1;
  assert.throws(() => verifyPackage(tampered, sig, expect), { code: 'E_UPGRADE_PACKAGE', message: /SHA-256/ });
});

test('refuses a package signed by another key, even one that names the pinned key id', () => {
  const other = keyPair();
  assert.throws(() => verifyPackage(data, signatureFile(data, '0.2.0', other), expect), {
    code: 'E_UPGRADE_PACKAGE',
    message: /not by the pinned release key/,
  });
  const forged = JSON.parse(signatureFile(data, '0.2.0', other)) as Record<string, unknown>;
  forged.keyId = releaseKeyId(release.publicPem);
  assert.throws(() => verifyPackage(data, JSON.stringify(forged), expect), {
    code: 'E_UPGRADE_PACKAGE',
    message: /does not verify/,
  });
});

test('refuses a changed signed field (version) and a version other than the one offered', () => {
  const sig = JSON.parse(signatureFile(data, '0.2.0', release)) as Record<string, unknown>;
  sig.version = '0.3.0';
  assert.throws(() => verifyPackage(data, JSON.stringify(sig), expect), { code: 'E_UPGRADE_PACKAGE' });
  assert.throws(() => verifyPackage(data, signatureFile(data, '0.4.0', release), expect), {
    code: 'E_UPGRADE_PACKAGE',
    message: /offered 0.2.0/,
  });
});

test('refuses a downgrade the administrator did not ask for, and allows it when asked', () => {
  const old = { ...expect, version: '0.0.9' };
  const sig = signatureFile(data, '0.0.9', release);
  assert.throws(() => verifyPackage(data, sig, old), { code: 'E_UPGRADE_DOWNGRADE' });
  assert.throws(() => verifyPackage(data, signatureFile(data, '0.1.0', release), { ...expect, version: '0.1.0' }), {
    code: 'E_UPGRADE_DOWNGRADE',
  });
  assert.equal(verifyPackage(data, sig, { ...old, allowDowngrade: true }).version, '0.0.9');
});

test('refuses an oversized download before looking at its signature', () => {
  const big = Buffer.alloc(2048);
  assert.throws(() => verifyPackage(big, '{}', { ...expect, maxBytes: 1024 }), { code: 'E_UPGRADE_TOO_LARGE' });
});

test('refuses a malformed or overlong signature file with a clear code', () => {
  assert.throws(() => verifyPackage(data, 'not json', expect), { code: 'E_UPGRADE_PACKAGE', message: /not JSON/ });
  assert.throws(() => verifyPackage(data, '{"format":1}', expect), { code: 'E_UPGRADE_PACKAGE', message: /malformed/ });
  assert.throws(() => verifyPackage(data, ' '.repeat(5000), expect), {
    code: 'E_UPGRADE_PACKAGE',
    message: /too long/,
  });
});
