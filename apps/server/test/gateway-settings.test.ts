// The gateway setting on both dialects (set, change, clear, each audited; a bad host refused with
// nothing written), and the gateway routes of the admin API: who may set it, what a gateway token
// may read, and that its certificate names the configured host only.
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import tls from 'node:tls';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Kysely, type SiteDatabase, openDatabase } from '@siteport/db';
import type {
  CreatedToken,
  GatewayCertificate,
  GatewayClientKey,
  GatewayUpstream,
  GatewayView,
  Policy,
} from '@siteport/protocol';
import { GatewayServer, GatewaySettings } from '../src/gateway/index.js';
import { createLogger } from '../src/logger.js';
import { AuditRepository, SiteEvents } from '../src/site/index.js';
import { requirePostgres, sharedPostgresDatabase } from '../../../test-support/postgres.js';
import { insertPrimarySite } from '../../../test-support/primary-site.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startTestServer } from '../../../test-support/test-server.js';

async function site(t: TestContext, dialect: 'sqlite' | 'postgres'): Promise<Kysely<SiteDatabase> | undefined> {
  if (dialect === 'postgres' && !requirePostgres(t)) return undefined;
  const db =
    dialect === 'sqlite'
      ? await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') })
      : await openDatabase({ kind: 'postgres', url: await sharedPostgresDatabase() });
  t.after(() => db.destroy());
  await insertPrimarySite(db);
  return db;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`${dialect}: the gateway setting is set, changed and cleared, each audited and announced; a bad host writes nothing`, async (t) => {
    const db = await site(t, dialect);
    if (db === undefined) return;
    const events = new SiteEvents();
    const announced: number[] = [];
    events.on('ports-changed', (_code, version) => announced.push(version));
    const audit = new AuditRepository(db);
    const settings = new GatewaySettings({ db, audit, events, portsVersion: () => Promise.resolve(7) });
    assert.deepEqual(await settings.view('PS1'), { siteCode: 'PS1', gateway: null, updatedAt: null, updatedBy: null });
    await assert.rejects(settings.clear('PS1', 'user:a'), { code: 'E_GATEWAY_NOT_CONFIGURED' });
    await assert.rejects(settings.set('PS1', { host: 'bad..name', port: 443 }, 'user:a'), { code: 'E_VALIDATION' });
    assert.equal((await settings.view('PS1')).gateway, null);
    await settings.set('PS1', { host: 'gw.example.com', port: 443 }, 'user:a');
    const changed = await settings.set('PS1', { host: 'gw.example.com', port: 8443 }, 'user:b');
    assert.deepEqual(changed.gateway, { host: 'gw.example.com', port: 8443 });
    assert.equal(changed.updatedBy, 'user:b');
    assert.deepEqual(await settings.address('PS1'), { host: 'gw.example.com', port: 8443 });
    await settings.clear('PS1', 'user:c');
    assert.equal(await settings.address('PS1'), undefined);
    assert.deepEqual(announced, [7, 7, 7]);
    const entries = (await audit.list({ siteCode: 'PS1', limit: 10 })).filter((e) => e.action.startsWith('gateway.'));
    assert.deepEqual(entries.map((e) => [e.action, e.actor, e.oldValue, e.newValue]).reverse(), [
      ['gateway.set', 'user:a', null, { host: 'gw.example.com', port: 443 }],
      ['gateway.set', 'user:b', { host: 'gw.example.com', port: 443 }, { host: 'gw.example.com', port: 8443 }],
      ['gateway.clear', 'user:c', { host: 'gw.example.com', port: 8443 }, null],
    ]);
  });
}

test('gateway routes: administrators set it, policy announces it, a gateway token reads upstream and keys and gets a certificate for the configured name only', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const token = async (role: string): Promise<string> =>
    (await s.admin<CreatedToken>('POST', '/tokens', { name: `t-${role}`, role, sites: ['PS1'] })).body.secret;
  const [operator, analyst, gateway] = [await token('operator'), await token('analyst'), await token('gateway')];
  const body = { host: 'gw.example.com', port: 443 };

  assert.equal((await s.admin('PUT', '/sites/PS1/gateway', body, operator)).status, 403);
  assert.equal((await s.admin('PUT', '/sites/PS1/gateway', body, analyst)).status, 403);
  assert.equal((await s.admin('PUT', '/sites/PS1/gateway', body, gateway)).status, 403);
  const extra = await s.admin<{ error: { code: string } }>('PUT', '/sites/PS1/gateway', { ...body, via: 'x' });
  assert.equal(extra.body.error.code, 'E_VALIDATION');
  const noCert = await s.admin<{ error: { code: string } }>(
    'POST',
    '/sites/PS1/gateway/certificate',
    { publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) },
    gateway,
  );
  assert.equal(noCert.body.error.code, 'E_GATEWAY_NOT_CONFIGURED');
  assert.equal((await s.admin<GatewayView>('PUT', '/sites/PS1/gateway', body)).status, 200);

  // Policy announces it: the answer to a registration carries the policy.
  const mp = new TestMpClient();
  const registration = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'outside-1',
      publicKey: mp.publicKeyPem,
      category: 'workgroup',
      agentVersion: '1.0.0',
    }),
  );
  const registered = await call(`http://127.0.0.1:${s.server.info.ports.http.default}/mp/v1/register`, {
    method: 'POST',
    headers: mp.signedHeaders('POST', '/mp/v1/register', registration),
    body: registration,
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const response = registered.body as { clientId: string; policy: Policy };
  assert.deepEqual(response.policy.gateway, body);

  assert.equal((await s.admin('GET', '/sites/PS1/gateway/upstream', undefined, operator)).status, 403);
  const upstream = await s.admin<GatewayUpstream>('GET', '/sites/PS1/gateway/upstream', undefined, gateway);
  assert.equal(upstream.status, 200);
  assert.deepEqual(upstream.body.gateway, body);
  const ports = upstream.body.endpoints.map((e) => `${e.protocol}:${e.port}`);
  assert.ok(ports.includes(`https:${s.server.info.ports.https.default}`), JSON.stringify(ports));
  assert.ok(ports.includes(`http:${s.server.info.ports.http.default}`), JSON.stringify(ports));
  assert.equal(upstream.body.endpoints[0]?.protocol, 'https', 'HTTPS first');
  assert.equal((await s.admin('GET', '/sites/PS1/clients', undefined, gateway)).status, 403);
  const unknown = await s.admin<{ error: { code: string } }>(
    'GET',
    '/sites/PS1/gateway/clients/nobody',
    undefined,
    gateway,
  );
  assert.equal(unknown.body.error.code, 'E_CLIENT_NOT_FOUND');
  const key = await s.admin<GatewayClientKey>(
    'GET',
    `/sites/PS1/gateway/clients/${response.clientId}`,
    undefined,
    gateway,
  );
  assert.deepEqual(key.body, { id: response.clientId, status: 'active', publicKey: mp.publicKeyPem });

  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issued = await s.admin<GatewayCertificate>(
    'POST',
    '/sites/PS1/gateway/certificate',
    { publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }) },
    gateway,
  );
  assert.equal(issued.status, 200);
  const cert = new X509Certificate(issued.body.certificate);
  assert.equal(cert.subjectAltName, 'DNS:gw.example.com');
  assert.ok(cert.checkIssued(new X509Certificate(issued.body.caCertificate)));
  assert.equal(cert.ca, false);
  const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
  const wrongKey = await s.admin<{ error: { code: string } }>(
    'POST',
    '/sites/PS1/gateway/certificate',
    { publicKey: ed },
    gateway,
  );
  assert.equal(wrongKey.body.error.code, 'E_VALIDATION');
});

test('a gateway process holds at most --max-connections connections: the next one is closed at accept', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  await s.admin('PUT', '/sites/PS1/gateway', { host: '127.0.0.1', port: 443 });
  const secret = (await s.admin<CreatedToken>('POST', '/tokens', { name: 'gw', role: 'gateway', sites: ['PS1'] })).body
    .secret;
  const gateway = new GatewayServer(
    { server: s.adminUrl, token: secret, siteCode: 'PS1', listenHost: '127.0.0.1', port: 0, maxConnections: 2 },
    createLogger('silent'),
  );
  await gateway.start();
  t.after(() => gateway.stop());
  assert.equal(gateway.state, 'running');
  const ca = (await s.admin<{ caCertificate: string }>('GET', '/sites/PS1/gateway/upstream', undefined, secret)).body
    .caCertificate;
  const open = (): Promise<tls.TLSSocket | 'closed'> =>
    new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: gateway.port, ca });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', () => resolve('closed'));
      socket.once('close', () => resolve('closed'));
    });
  const first = await open();
  const second = await open();
  assert.notEqual(first, 'closed', 'the certificate from the site CA verifies for the configured name');
  assert.notEqual(second, 'closed');
  assert.equal(await open(), 'closed');
  (first as tls.TLSSocket).destroy();
  (second as tls.TLSSocket).destroy();
});
