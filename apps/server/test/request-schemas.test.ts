import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { PortChangeResult } from '@siteport/protocol';
import { freePort } from '../../../test-support/ports.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

type ErrorBody = { error: { code: string; message: string; details?: { field?: string } } };

/** The tables an admin request can change, and the bootstrap token file: equal before and after means nothing changed. */
async function snapshot(s: TestServer): Promise<unknown> {
  const db = s.server.db;
  return {
    ports: await db.selectFrom('port_settings').selectAll().orderBy('version').execute(),
    webSites: await db.selectFrom('web_sites').selectAll().execute(),
    webApplications: await db.selectFrom('web_applications').selectAll().orderBy('name').execute(),
    rollouts: await db.selectFrom('rollouts').selectAll().orderBy('id').execute(),
    audit: await db.selectFrom('audit_log').select(['seq', 'action']).orderBy('seq').execute(),
    tokens: await db.selectFrom('admin_tokens').selectAll().orderBy('id').execute(),
    registration: await db.selectFrom('registration_settings').selectAll().execute(),
    registrationTokens: await db.selectFrom('registration_tokens').selectAll().orderBy('id').execute(),
    pushSettings: await db.selectFrom('push_settings').selectAll().execute(),
    pushHosts: await db.selectFrom('push_hosts').selectAll().orderBy('id').execute(),
    directory: await db.selectFrom('directory_settings').selectAll().execute(),
    users: await db
      .selectFrom('console_users')
      .select(['name', 'role', 'sites', 'disabled_at'])
      .orderBy('name')
      .execute(),
    bootstrapToken: await readFile(s.server.info.adminTokenFile, 'utf8'),
  };
}

test('ports as JSON strings, unknown fields, wrong types, oversized strings and negative or fractional ports are refused with 400 naming the field, through a started server, and nothing is stored', async (t) => {
  const s = await startTestServer(t);
  // The default web site can move only while the MP is on SMSWeb.
  const [smsHttp, smsHttps, moved] = [await freePort(), await freePort(), await freePort()];
  const switched = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', {
    customWebSite: true,
    http: { default: smsHttp },
    https: { default: smsHttps },
  });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  const before = await snapshot(s);

  const long = 'x'.repeat(5000);
  const attacks: [method: string, path: string, body: unknown, field: string][] = [
    // A port as a JSON string: the hand parser of this route took "8080" although the schema says integer.
    ['PATCH', '/sites/PS1/web-sites/default', { http: String(moved) }, 'http'],
    ['PATCH', '/sites/PS1/web-sites/default', { http: -80 }, 'http'],
    ['PATCH', '/sites/PS1/web-sites/default', { https: 443.5 }, 'https'],
    ['PATCH', '/sites/PS1/web-sites/default', { http: moved, colour: 'red' }, 'colour'],
    ['PATCH', '/sites/PS1/ports', { http: { default: '8080' } }, 'http.default'],
    ['PATCH', '/sites/PS1/ports', { wake: -9 }, 'wake'],
    ['PATCH', '/sites/PS1/ports', { notification: 8080.5 }, 'notification'],
    ['PATCH', '/sites/PS1/ports', { wake: 9, colour: 'red' }, 'colour'],
    ['PATCH', '/sites/PS1/ports', { customWebSite: 'false' }, 'customWebSite'],
    ['PATCH', '/sites/PS1/ports', { descriptions: { http: long } }, 'descriptions.http'],
    ['PATCH', '/hierarchy/ports', { wake: '9' }, 'wake'],
    ['POST', '/sites/PS1/impact', { https: { alternate: '8443' } }, 'https.alternate'],
    ['POST', '/sites/PS1/rollouts', { change: { wake: '9' } }, 'change.wake'],
    ['POST', '/sites/PS1/rollouts', { change: { wake: 9 }, deadlineSeconds: '60' }, 'deadlineSeconds'],
    // Past 30 days: refused where the input is checked, not only deeper in the rollout service.
    ['POST', '/sites/PS1/rollouts', { change: { wake: 9 }, deadlineSeconds: 30 * 24 * 3600 + 1 }, 'deadlineSeconds'],
    ['POST', '/sites/PS1/web-applications', { name: long, path: '/reports' }, 'name'],
    ['POST', '/sites/PS1/web-applications', { name: 5, path: '/reports' }, 'name'],
    ['POST', '/tokens', { name: long, role: 'analyst' }, 'name'],
    ['POST', '/tokens', { name: 'reader', role: 'analyst', sites: 'PS1' }, 'sites'],
    ['POST', '/sites/PS1/registration/tokens', { uses: '5' }, 'uses'],
    ['POST', '/sites/PS1/registration/tokens', { uses: 2.5 }, 'uses'],
    ['POST', '/sites/PS1/registration/tokens', { label: long }, 'label'],
    ['PATCH', '/sites/PS1/registration', { mode: 'open', extra: 1 }, 'extra'],
    ['PATCH', '/sites/PS1/push/settings', { retryIntervalSeconds: '60' }, 'retryIntervalSeconds'],
    ['PATCH', '/sites/PS1/push/settings', { autoPush: 'true' }, 'autoPush'],
    ['PATCH', '/sites/PS1/push/settings', { managementPoint: long }, 'managementPoint'],
    ['POST', '/sites/PS1/push/hosts', { hosts: [{ host: 'pc1', port: '22' }] }, 'hosts[0].port'],
    ['POST', '/sites/PS1/push/hosts', { hosts: [{ host: 'pc1', port: -22 }] }, 'hosts[0].port'],
    ['POST', '/sites/PS1/push/hosts', { hosts: [{ host: 'pc1', port: 22.5 }] }, 'hosts[0].port'],
    ['POST', '/sites/PS1/push/candidates', { clientId: 'c1', port: '22' }, 'port'],
    ['PUT', '/sites/PS1/directory', { url: 'ldap://dc1.example', startTls: 'yes' }, 'startTls'],
    ['POST', '/console/users', { user: 'bob', role: 'analyst', password: 123456789012345 }, 'password'],
    ['POST', '/sites/PS1/certificate/renew', { siteCa: 'yes' }, 'siteCa'],
    ['PATCH', '/sites/PS1/ports', '{"wake": 9, "__proto__": {"customWebSite": false}}', '__proto__'],
    // A route that takes no body gets none or {}: anything else is refused before it runs.
    ['POST', '/tokens/bootstrap/rotate', { rotate: true }, 'rotate'],
  ];
  for (const [method, path, body, field] of attacks) {
    const what = `${method} ${path} ${JSON.stringify(body).slice(0, 80)}`;
    const res = await s.admin<ErrorBody>(method, path, body);
    assert.equal(res.status, 400, `${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION', `${what}: ${res.body.error.message}`);
    assert.equal(res.body.error.details?.field, field, `${what}: ${res.body.error.message}`);
    assert.ok(res.body.error.message.includes(field), `${what}: the message names ${field}: ${res.body.error.message}`);
    assert.ok(!res.body.error.message.includes(long), `${what}: the message does not echo the value`);
  }

  const queries: [path: string, field: string][] = [
    ['/sites/PS1/clients?port=8080.5', 'port'],
    ['/sites/PS1/clients?limit=-1', 'limit'],
    ['/audit?limit=10.5', 'limit'],
    ['/audit?site=TOOLONG', 'site'],
    // A route that declares no query parameters takes none.
    ['/sites/PS1/ports?verbose=1', 'verbose'],
    ['/sites/PS1/firewall?format=iptables', 'format'],
    ['/audit?__proto__=1', '__proto__'],
  ];
  for (const [path, field] of queries) {
    const res = await s.admin<ErrorBody>('GET', path);
    assert.equal(res.status, 400, `${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION', `${path}: ${res.body.error.message}`);
    assert.equal(res.body.error.details?.field, field, `${path}: ${res.body.error.message}`);
  }

  assert.deepEqual(await snapshot(s), before, 'no refused request changed anything');
  const taken = await s.admin('PATCH', '/sites/PS1/web-sites/default', { http: moved });
  assert.equal(taken.status, 200, `the same change with a JSON number is taken: ${JSON.stringify(taken.body)}`);
});
