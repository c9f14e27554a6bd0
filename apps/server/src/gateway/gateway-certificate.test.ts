import assert from 'node:assert/strict';
import { createPublicKey, webcrypto } from 'node:crypto';
import { test } from 'node:test';
import pino from 'pino';
import { ALGORITHM, issueMpCertificate, loadSiteCa } from '../pki/index.js';
import { tempDir } from '../../../../test-support/temp-dir.js';
import { waitFor } from '../../../../test-support/wait-for.js';
import { GatewayCertificateKeeper, type GatewayIdentity } from './gateway-certificate.js';

const DAY_MS = 24 * 60 * 60 * 1000;

test('a failed renewal keeps the current certificate, is retried at the next check, and a renewal happens once per due time', async (t) => {
  const ca = await loadSiteCa(tempDir(t), 'PS1');
  let failNext = 0;
  let issued = 0;
  // The site's side, with a real CA: fails while `failNext` is above zero (site unreachable).
  const request = async (publicKeyPem: string) => {
    if (failNext > 0) {
      failNext -= 1;
      throw new Error('connect ECONNREFUSED');
    }
    issued += 1;
    const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
    const publicKey = await webcrypto.subtle.importKey('spki', spki, ALGORITHM, true, ['verify']);
    const certificate = await issueMpCertificate({
      siteCode: 'PS1',
      names: ['gw.example.com'],
      publicKey,
      ca,
      lifetimeMs: 30 * DAY_MS,
    });
    return { certificate, caCertificate: ca.certificate, names: ['gw.example.com'] };
  };
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  let clock = Date.now();
  const keeper = new GatewayCertificateKeeper(request, logger, { now: () => clock, checkEveryMs: 20 });
  const first = await keeper.obtain();
  const applied: GatewayIdentity[] = [];
  keeper.start((identity) => applied.push(identity));
  t.after(() => keeper.stop());
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));

  await settle();
  assert.equal(applied.length, 0, 'nothing is due at first');

  clock += 21 * DAY_MS;
  failNext = 2;
  await waitFor('the renewal once the site answers again', () => applied.length > 0, 10_000, 20);
  assert.equal(failNext, 0, 'the failed renewal was tried again at the next checks');
  assert.equal(applied.length, 1);
  assert.ok(warnings.some((w) => w.includes('renewing the gateway certificate failed')));
  assert.equal(keeper.identity, applied[0]);
  assert.notEqual(applied[0]?.keyPem, first.keyPem, 'a new key');
  assert.notEqual(applied[0]?.certificate, first.certificate);

  await settle();
  assert.equal(issued, 2, 'not renewed again before two thirds of the new lifetime');
});
