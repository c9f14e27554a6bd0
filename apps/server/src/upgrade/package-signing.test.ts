import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { checkAgentPackage, releaseKeyFingerprint, signAgentPackage } from './package-signing.js';

function keyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const release = keyPair();
const data = Buffer.from('siteport-agent bundle bytes');

test('a bundle signed with the release key is accepted, naming the key by the start of its fingerprint', () => {
  const sig = signAgentPackage(data, '0.2.0', release.privatePem);
  assert.equal(sig.keyId, releaseKeyFingerprint(release.publicPem).slice(0, 16));
  assert.equal(checkAgentPackage(data, sig, release.publicPem).version, '0.2.0');
});

test('the site refuses a package signed by another key', () => {
  const sig = signAgentPackage(data, '0.2.0', keyPair().privatePem);
  assert.throws(() => checkAgentPackage(data, sig, release.publicPem), {
    code: 'E_UPGRADE_PACKAGE',
    message: /not by the site's release key/,
  });
});

test('the site refuses altered bytes and an altered signed field', () => {
  const sig = signAgentPackage(data, '0.2.0', release.privatePem);
  assert.throws(() => checkAgentPackage(Buffer.from('siteport-agent bundle bytez'), sig, release.publicPem), {
    code: 'E_UPGRADE_PACKAGE',
    message: /not the ones that were signed/,
  });
  assert.throws(() => checkAgentPackage(data, { ...sig, version: '9.9.9' }, release.publicPem), {
    code: 'E_UPGRADE_PACKAGE',
    message: /does not verify/,
  });
});

test('an invalid version string is refused when signing and when registering', () => {
  assert.throws(() => signAgentPackage(data, '1.0', release.privatePem), {
    code: 'E_UPGRADE_PACKAGE',
    message: /release version/,
  });
  const sig = signAgentPackage(data, '0.2.0', release.privatePem);
  for (const version of ['../0.2.0', '0.2.0; rm -rf /', '02.0.0'])
    assert.throws(() => checkAgentPackage(data, { ...sig, version }, release.publicPem), {
      code: 'E_UPGRADE_PACKAGE',
      message: /malformed/,
    });
});

test('a non-Ed25519 signing key is refused', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => signAgentPackage(data, '0.2.0', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), {
    code: 'E_UPGRADE_PACKAGE',
  });
});
