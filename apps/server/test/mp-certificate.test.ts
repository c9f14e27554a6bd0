import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'node:test';
import type { CertificateChange, CertificateView, CreatedToken, PortsView, SiteView } from '@siteport/protocol';
import { createFleet } from '../../../test-support/agent-fleet.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { enterpriseCa } from './support/enterprise-pki.js';

/** The serial of the certificate a new TLS connection to `port` is served (verified with `ca`). */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/** Serial numbers compare as numbers (OpenSSL prints a leading zero byte, the issuer may not). */
function sameSerial(a: string, b: string): boolean {
  return BigInt(`0x${a}`) === BigInt(`0x${b}`);
}

/** GET /mp/v1/ca on a kept-alive connection: the serial that connection was served and whether it was reused. */
function getOn(
  agent: https.Agent,
  port: number,
  ca: string,
): Promise<{ status: number; serial: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/mp/v1/ca', agent, ca }, (res) => {
      const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial, reused: req.reusedSocket }));
    });
    req.once('error', reject);
  });
}

async function site(t: Parameters<typeof startTestServer>[0], input: Parameters<typeof startTestServer>[1] = {}) {
  const s = await startTestServer(t, { policyIntervalSeconds: 1, ...input });
  await s.admin('PATCH', '/sites/PS1/ports', { communicationMode: 'https-only' });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const fingerprint = (await s.admin<SiteView>('GET', '/sites/PS1')).body.caFingerprint;
  const ca = readFileSync(path.join(s.dataDir, 'pki', 'ca.pem'), 'utf8');
  return { s, ports, fingerprint, ca };
}

async function agentOn(t: Parameters<typeof startTestServer>[0], ports: PortsView, fingerprint: string) {
  const [agent] = createFleet(t, { count: 1, ports, caFingerprint: fingerprint });
  await agent!.start();
  await waitFor('the agent checked in over HTTPS', () => agent!.status().lastContact?.protocol === 'https', 30_000);
  return agent!;
}

/** The agent checked in over HTTPS after `since`. */
function checkedInAfter(agent: Awaited<ReturnType<typeof agentOn>>, since: number): () => boolean {
  return () => {
    const contact = agent.status().lastContact;
    return contact !== undefined && contact !== null && contact.protocol === 'https' && Date.parse(contact.at) > since;
  };
}

test('a short-lived MP certificate is renewed while the server runs: new connections get the new serial, a connection opened before keeps working, an agent keeps checking in over HTTPS', async (t) => {
  const { s, ports, fingerprint, ca } = await site(t, { mpCertificateLifetimeMs: 9000, mpCertificateCheckMs: 200 });
  const agent = await agentOn(t, ports, fingerprint);
  const port = ports.https.default;
  const before = await servedSerial(port, ca);
  const kept = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => kept.destroy());
  const first = await getOn(kept, port, ca);
  assert.equal(first.serial, before);

  // 9 s lifetime: renewed when less than 3 s are left.
  const after = await waitFor(
    'a new serial on a new connection',
    async () => {
      const serial = await servedSerial(port, ca);
      return serial !== before ? serial : undefined;
    },
    20_000,
  );
  const renewedAt = Date.now();
  assert.equal(
    await servedSerial(ports.notification, ca),
    after,
    'the notification port serves the renewed certificate too',
  );

  const again = await getOn(kept, port, ca);
  assert.deepEqual(
    again,
    { status: 200, serial: before, reused: true },
    'the connection opened before goes on with its certificate',
  );

  await waitFor('the agent checked in over HTTPS after the renewal', checkedInAfter(agent, renewedAt), 20_000);
  const view = (await s.admin<CertificateView>('GET', '/sites/PS1/certificate')).body;
  assert.equal(view.source, 'site-ca');
  assert.notEqual(view.serial, before.toUpperCase());
  assert.ok(view.renewAfter !== null && Date.parse(view.renewAfter) < Date.parse(view.notAfter));
});

test('an administrator renews on request; the renewal is audited and served at once', async (t) => {
  const { s, ports, ca } = await site(t);
  const before = await servedSerial(ports.https.default, ca);
  const change = (await s.admin<CertificateChange>('POST', '/sites/PS1/certificate/renew', {})).body;
  assert.equal(change.previousSerial, before);
  assert.equal(await servedSerial(ports.https.default, ca), change.certificate.serial);
  assert.notEqual(change.certificate.serial, before);
  const audit = (
    await s.admin<{ entries: { action: string; newValue: { serial: string } }[] }>('GET', '/audit?limit=5')
  ).body.entries;
  assert.equal(audit.find((e) => e.action === 'certificate.renew')?.newValue.serial, change.certificate.serial);
});

test('an imported enterprise certificate is served without a restart, an agent that pinned the site CA learns its root from the site and keeps checking in over HTTPS, and renew --site-ca goes back', async (t) => {
  const { s, ports, fingerprint, ca } = await site(t);
  const agent = await agentOn(t, ports, fingerprint);
  const corp = await enterpriseCa();
  const leaf = await corp.issue({ names: ['127.0.0.1', 'localhost'] });
  const siteSerial = await servedSerial(ports.https.default, ca);

  const imported = await s.admin<CertificateChange>('POST', '/sites/PS1/certificate/import', {
    certificate: leaf.cert,
    key: leaf.key,
    chain: corp.root.cert,
  });
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.equal(imported.body.certificate.source, 'imported');
  assert.equal(imported.body.previousSerial, siteSerial);
  assert.deepEqual(
    imported.body.certificate.trustAnchors.map((a) => a.subject),
    ['CN=Example Corp Test Root'],
  );
  const importedAt = Date.now();
  assert.ok(sameSerial(await servedSerial(ports.https.default, corp.root.cert), leaf.serial));
  assert.ok(sameSerial(await servedSerial(ports.notification, corp.root.cert), leaf.serial));
  const keyFile = path.join(s.dataDir, 'pki', 'imported-key.pem');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the imported private key is readable by the server only');

  // Its open keep-alive connection goes on with the site certificate; a restarted agent connects anew.
  await waitFor('the agent checked in over HTTPS on its open connection', checkedInAfter(agent, importedAt), 20_000);
  await agent.stop();
  const restartedAt = Date.now();
  await agent.start();
  await waitFor(
    'the restarted agent checked in over HTTPS to the imported certificate',
    checkedInAfter(agent, restartedAt),
    30_000,
  );
  const trusted = readFileSync(path.join(agent.stateDir, 'trust.pem'), 'utf8');
  assert.equal(new X509Certificate(trusted).subject, 'CN=Example Corp Test Root');

  // A restarted server serves the imported certificate again.
  await s.stop();
  const restarted = await startTestServer(t, { dataDir: s.dataDir, policyIntervalSeconds: 1 });
  assert.equal((await restarted.admin<CertificateView>('GET', '/sites/PS1/certificate')).body.source, 'imported');
  assert.ok(sameSerial(await servedSerial(ports.https.default, corp.root.cert), leaf.serial));

  const refused = await restarted.admin<{ error: { code: string; message: string } }>(
    'POST',
    '/sites/PS1/certificate/renew',
    {},
  );
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'E_CERTIFICATE_IMPORTED');
  const back = (await restarted.admin<CertificateChange>('POST', '/sites/PS1/certificate/renew', { siteCa: true }))
    .body;
  assert.equal(back.certificate.source, 'site-ca');
  assert.equal(await servedSerial(ports.https.default, ca), back.certificate.serial);
  assert.equal(existsSync(keyFile), false, 'the imported key is removed');
});

/** The served certificate and the pki dir did not change. */
async function unchanged(s: TestServer, ports: PortsView, ca: string, serial: string): Promise<void> {
  assert.equal(await servedSerial(ports.https.default, ca), serial);
  assert.equal(existsSync(path.join(s.dataDir, 'pki', 'imported.pem')), false);
  assert.equal(existsSync(path.join(s.dataDir, 'pki', 'imported-key.pem')), false);
  assert.equal((await s.admin<CertificateView>('GET', '/sites/PS1/certificate')).body.source, 'site-ca');
}

test('attack: an import with a key that does not match, an expired certificate, a chain without its root, a client-only certificate or a missing name is refused and nothing changes', async (t) => {
  const { s, ports, ca } = await site(t);
  const serial = await servedSerial(ports.https.default, ca);
  const corp = await enterpriseCa();
  const good = await corp.issue({ names: ['127.0.0.1'] });
  const other = await corp.issue({ names: ['127.0.0.1'] });
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'a key of another certificate',
      { certificate: good.cert, key: other.key, chain: corp.root.cert },
      /private key does not belong to the certificate/,
    ],
    [
      'an expired certificate',
      {
        certificate: (
          await corp.issue({
            names: ['127.0.0.1'],
            notBefore: new Date(Date.now() - 10 * 86_400_000),
            notAfter: new Date(Date.now() - 86_400_000),
          })
        ).cert,
        key: '',
        chain: corp.root.cert,
      },
      /./,
    ],
    ['no chain', { certificate: good.cert, key: good.key }, /does not reach a root.*add the issuing CA/],
    [
      'a client certificate',
      {
        ...(await (async () => {
          const c = await corp.issue({ names: ['127.0.0.1'], serverAuth: false });
          return { certificate: c.cert, key: c.key };
        })()),
        chain: corp.root.cert,
      },
      /lacks serverAuth/,
    ],
    [
      'a certificate for another host',
      {
        ...(await (async () => {
          const c = await corp.issue({ names: ['mp.example.org'] });
          return { certificate: c.cert, key: c.key };
        })()),
        chain: corp.root.cert,
      },
      /does not name 127\.0\.0\.1, which clients use/,
    ],
  ];
  const expired = await corp.issue({
    names: ['127.0.0.1'],
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  cases[1] = [
    'an expired certificate',
    { certificate: expired.cert, key: expired.key, chain: corp.root.cert },
    /expired on .*get a renewed certificate/,
  ];
  for (const [what, body, message] of cases) {
    const res = await s.admin<{ error: { code: string; message: string } }>(
      'POST',
      '/sites/PS1/certificate/import',
      body,
    );
    assert.equal(res.status, 400, what);
    assert.equal(res.body.error.code, 'E_CERTIFICATE_INVALID', what);
    assert.match(res.body.error.message, message, what);
    assert.doesNotMatch(JSON.stringify(res.body), /PRIVATE KEY/, `${what}: the answer never echoes a key`);
  }
  await unchanged(s, ports, ca, serial);

  // Only an administrator may import or renew.
  const operator = (await s.admin<CreatedToken>('POST', '/tokens', { name: 'ops', role: 'operator' })).body.secret;
  for (const [route, body] of [
    ['import', { certificate: good.cert, key: good.key, chain: corp.root.cert }],
    ['renew', {}],
  ] as const) {
    const res = await s.admin<{ error: { code: string } }>('POST', `/sites/PS1/certificate/${route}`, body, operator);
    assert.equal(res.status, 403, route);
  }
  assert.equal(
    (await s.admin('GET', '/sites/PS1/certificate', undefined, operator)).status,
    200,
    'an operator may look',
  );
  await unchanged(s, ports, ca, serial);
  const audit = (await s.admin<{ entries: { action: string }[] }>('GET', '/audit?limit=20')).body.entries;
  assert.equal(audit.filter((e) => e.action.startsWith('certificate.')).length, 0, 'nothing was applied');
});
