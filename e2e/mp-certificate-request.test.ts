import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { PortsView, SiteView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { type TestPostgres, requirePostgres, startPostgres } from '../test-support/postgres.js';
import { startMpProcess, startSiteProcess } from '../test-support/site-process.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

const MP_A = '127.0.0.2';

/** The certificate a new TLS connection to host:port is served, verified against `ca` with the host name checked. */
function served(host: string, port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ca }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert === undefined) reject(new Error('no certificate'));
      else resolve(cert);
    });
    socket.once('error', reject);
  });
}

describe('an additional MP process gets its certificate from the site server', () => {
  let pg: TestPostgres | undefined;
  before(async () => {
    if (process.platform === 'linux') pg = await startPostgres().catch(() => undefined);
  });
  after(() => pg?.destroy());

  it('an MP process in its own data dir, without the CA key, serves HTTPS with a certificate the site CA issued for the key it made; real agents register and check in through it over HTTPS and over HTTP', async (t) => {
    if (!requirePostgres(t) || pg === undefined) return;
    const dbUrl = await pg.createDatabase();
    const siteDir = tempDir(t);
    const site = await startSiteProcess(t, { dataDir: siteDir, dbUrl });
    const ports = (await site.api<PortsView>('GET', '/sites/PS1/ports')).body;
    const fingerprint = (await site.api<SiteView>('GET', '/sites/PS1')).body.caFingerprint;
    const siteCa = readFileSync(path.join(siteDir, 'pki', 'ca.pem'), 'utf8');

    const mpDir = tempDir(t);
    await startMpProcess(t, { dataDir: mpDir, dbUrl, bind: MP_A });
    const pki = path.join(mpDir, 'pki');
    assert.deepEqual(readdirSync(pki).sort(), ['ca.pem', `mp-${MP_A}-key.pem`, `mp-${MP_A}.pem`]);
    assert.equal(existsSync(path.join(pki, 'ca-key.pem')), false, 'the CA key stays with the site server');
    assert.equal(readFileSync(path.join(pki, 'ca.pem'), 'utf8'), siteCa);
    assert.equal(statSync(path.join(pki, `mp-${MP_A}-key.pem`)).mode & 0o777, 0o600);

    const cert = await served(MP_A, ports.https.default, siteCa);
    assert.equal(cert.issuer, 'CN=siteport site PS1 CA');
    assert.ok(cert.verify(new X509Certificate(siteCa).publicKey));
    assert.equal(
      cert.serialNumber,
      new X509Certificate(readFileSync(path.join(pki, `mp-${MP_A}.pem`))).serialNumber,
      'the certificate this process keeps',
    );
    assert.ok(
      cert.checkPrivateKey(
        (await import('node:crypto')).createPrivateKey(readFileSync(path.join(pki, `mp-${MP_A}-key.pem`))),
      ),
      'for the key this process made',
    );
    assert.equal(
      (await served(MP_A, ports.notification, siteCa)).serialNumber,
      cert.serialNumber,
      'the notification port serves it too',
    );

    // Over HTTP an answer counts only with a signature: the MP signs with its own key and names its certificate.
    const [overHttps, overHttp] = createFleet(t, {
      count: 2,
      ports,
      caFingerprint: fingerprint,
      mpHost: MP_A,
      httpOnly: (i) => i === 1,
    });
    await overHttps!.start();
    await overHttp!.start();
    for (const [agent, protocol] of [
      [overHttps!, 'https'],
      [overHttp!, 'http'],
    ] as const) {
      await waitFor(
        `the agent registered and checked in at the MP over ${protocol}`,
        () => {
          const contact = agent.status().lastContact;
          return contact?.mp === MP_A && contact.protocol === protocol && agent.status().clientId !== null;
        },
        30_000,
      );
    }

    // siteport cert renew on the site server renews the MP process's certificate too, without a restart.
    await site.api('POST', '/sites/PS1/certificate/renew', {});
    const renewed = await waitFor(
      'the MP serves a renewed certificate',
      async () => {
        const now = await served(MP_A, ports.https.default, siteCa);
        return now.serialNumber !== cert.serialNumber ? now : undefined;
      },
      20_000,
    );
    assert.ok(renewed.verify(new X509Certificate(siteCa).publicKey));
    const since = Date.now();
    await waitFor(
      'the agent over HTTP still checks in at the MP',
      () => {
        const contact = overHttp!.status().lastContact;
        return contact?.mp === MP_A && contact.protocol === 'http' && Date.parse(contact.at) > since + 1500;
      },
      20_000,
    );
  });
});
