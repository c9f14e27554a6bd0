import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectoryView, PortsView } from '@siteport/protocol';
import { requireTool } from '../../../test-support/require-tool.js';
import { SLAPD_ACCOUNTS, ldifValues, startSlapd } from '../../../test-support/slapd.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { waitFor } from '../../../test-support/wait-for.js';

const FAST = { directoryRetryBaseMs: 100, directoryRetryMaxMs: 400, directoryTimeoutMs: 2000 };
const server = SLAPD_ACCOUNTS.siteServer;

function haveSlapd(t: Parameters<typeof requireTool>[0]): boolean {
  return (
    requireTool(t, 'slapd', 'apt-get install slapd ldap-utils') &&
    requireTool(t, 'ldapsearch', 'apt-get install ldap-utils')
  );
}

test('publishes the site and one entry per management point, readable with ldapsearch, without ever returning the password', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  const site = await startTestServer(t, { publicHosts: ['127.0.0.1', 'mp2.example.test'], ...FAST });
  const put = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: server.dn,
    password: server.password,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.publish.state, 'published');
  assert.equal(put.body.passwordSet, true);
  assert.equal(put.body.publish.managementPoints.length, 2);

  const ports = (await site.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const siteLdif = await ldap.ldapsearch('(objectClass=siteportSite)');
  const dn = `cn=siteport-site-PS1,cn=System Management,${ldap.baseDn}`;
  assert.deepEqual(ldifValues(siteLdif, 'siteportSiteCode').get(dn), ['PS1']);
  assert.deepEqual(ldifValues(siteLdif, 'siteportHttpPort').get(dn), [String(ports.http.default)]);
  assert.deepEqual(ldifValues(siteLdif, 'siteportHttpsPort').get(dn), [String(ports.https.default)]);
  assert.deepEqual(ldifValues(siteLdif, 'siteportNotificationPort').get(dn), [String(ports.notification)]);
  assert.deepEqual(ldifValues(siteLdif, 'siteportSettingsVersion').get(dn), [String(ports.version)]);
  assert.deepEqual(ldifValues(siteLdif, 'siteportCustomWebSite').get(dn), ['FALSE']);
  const props = ldifValues(siteLdif, 'siteportInstallProperty').get(dn) ?? [];
  assert.ok(props.includes(`CCMHTTPPORT=${ports.http.default}`), props.join(' '));
  assert.ok(props.includes('SMSSITECODE=PS1'));
  assert.ok(props.includes(`SMSCAFINGERPRINT=${site.server.info.caFingerprint}`));
  assert.match(siteLdif, /siteportCaCertificate:/);

  const mps = ldifValues(await ldap.ldapsearch('(objectClass=siteportManagementPoint)'), 'siteportMpHost');
  assert.deepEqual([...mps.values()].flat().sort(), ['127.0.0.1', 'mp2.example.test']);

  const view = await site.admin('GET', '/sites/PS1/directory');
  assert.ok(!JSON.stringify(view.body).includes(server.password), 'GET must not return the password');
  const audit = await site.admin('GET', '/audit?site=PS1');
  assert.ok(!JSON.stringify(audit.body).includes(server.password), 'the audit log must not hold the password');
});

test('updates the entries on a port change, drops a removed management point at restart, and unpublishes on DELETE', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  const dataDir = tempDir(t);
  const first = await startTestServer(t, { dataDir, publicHosts: ['127.0.0.1', 'mp2.example.test'], ...FAST });
  await first.admin('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: server.dn,
    password: server.password,
  });
  const change = await first.admin<{ ports: PortsView }>('PATCH', '/sites/PS1/ports', { http: { alternate: 18_081 } });
  assert.equal(change.status, 200, JSON.stringify(change.body));
  const version = change.body.ports.version;
  const dn = `cn=siteport-site-PS1,cn=System Management,${ldap.baseDn}`;
  await waitFor('the new version in the directory', async () => {
    const ldif = await ldap.ldapsearch('(objectClass=siteportSite)', [
      'siteportSettingsVersion',
      'siteportHttpAlternatePort',
    ]);
    return (
      ldifValues(ldif, 'siteportSettingsVersion').get(dn)?.[0] === String(version) &&
      ldifValues(ldif, 'siteportHttpAlternatePort').get(dn)?.[0] === '18081'
    );
  });
  const mpDn = `cn=siteport-mp-PS1-127.0.0.1,cn=System Management,${ldap.baseDn}`;
  assert.deepEqual(
    ldifValues(await ldap.ldapsearch('(objectClass=siteportManagementPoint)'), 'siteportHttpAlternatePort').get(mpDn),
    ['18081'],
  );
  await first.stop();

  const second = await startTestServer(t, { dataDir, publicHosts: ['127.0.0.1'], ...FAST });
  await waitFor('mp2 removed', async () => {
    const hosts = [
      ...ldifValues(await ldap.ldapsearch('(objectClass=siteportManagementPoint)'), 'siteportMpHost').values(),
    ].flat();
    return hosts.length === 1 && hosts[0] === '127.0.0.1';
  });
  const removed = await second.admin<DirectoryView>('DELETE', '/sites/PS1/directory');
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal(removed.body.configured, false);
  assert.equal(removed.body.publish.state, 'off');
  assert.equal(
    (await ldap.ldapsearch('(|(objectClass=siteportSite)(objectClass=siteportManagementPoint))')).trim(),
    '',
  );
  const again = await second.admin<{ error: { code: string } }>('DELETE', '/sites/PS1/directory');
  assert.equal(again.status, 404);
  assert.equal(again.body.error.code, 'E_DIRECTORY_NOT_CONFIGURED');
});

test('keeps the site working while the directory is down and catches up when it returns', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  await ldap.stop();
  const site = await startTestServer(t, { publicHosts: ['127.0.0.1'], ...FAST });
  const put = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: server.dn,
    password: server.password,
  });
  assert.equal(put.status, 200);
  assert.equal(put.body.publish.state, 'retrying');
  assert.equal(put.body.publish.lastError?.code, 'E_DIRECTORY_UNREACHABLE');
  assert.match(put.body.publish.lastError?.message ?? '', /cannot reach the directory/);

  const change = await site.admin<{ ports: PortsView }>('PATCH', '/sites/PS1/ports', { http: { alternate: 18_082 } });
  assert.equal(change.status, 200, 'port changes still work with the directory down');
  const failing = await site.admin<DirectoryView>('GET', '/sites/PS1/directory');
  assert.ok(failing.body.publish.failures >= 1);
  assert.equal(failing.body.publish.publishedVersion, null);

  await ldap.restart();
  const caught = await waitFor('publish after the directory returned', async () => {
    const view = (await site.admin<DirectoryView>('GET', '/sites/PS1/directory')).body;
    return view.publish.state === 'published' ? view : undefined;
  });
  assert.equal(caught.publish.publishedVersion, change.body.ports.version);
  assert.equal(caught.publish.lastError, null);
  const ldif = await ldap.ldapsearch('(objectClass=siteportSite)', ['siteportHttpAlternatePort']);
  assert.match(ldif, /siteportHttpAlternatePort: 18082/);
});

test('reports wrong credentials, missing rights, a missing container and a missing schema with their own codes', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  const bare = await startSlapd(t, { withSchema: false });
  const site = await startTestServer(t, { publicHosts: ['127.0.0.1'], ...FAST });
  const cases = [
    {
      name: 'wrong password',
      body: { url: `${ldap.url}/${ldap.baseDn}`, bindDn: server.dn, password: 'wrong' },
      code: 'E_DIRECTORY_AUTH',
      hint: /bind DN and the password/,
    },
    {
      name: 'read-only account',
      body: {
        url: `${ldap.url}/${ldap.baseDn}`,
        bindDn: SLAPD_ACCOUNTS.client.dn,
        password: SLAPD_ACCOUNTS.client.password,
      },
      code: 'E_DIRECTORY_ACCESS',
      hint: /grant it write access/,
    },
    {
      name: 'no container',
      body: { url: `${ldap.url}/dc=nowhere,dc=test`, bindDn: server.dn, password: server.password },
      code: 'E_DIRECTORY_NOT_FOUND',
      hint: /cn=System Management/,
    },
    {
      name: 'no schema',
      body: { url: `${bare.url}/${bare.baseDn}`, bindDn: server.dn, password: server.password },
      code: 'E_DIRECTORY_SCHEMA',
      hint: /siteport\.schema/,
    },
  ];
  for (const c of cases) {
    const res = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', c.body);
    assert.equal(res.status, 200, c.name);
    assert.equal(res.body.publish.state, 'retrying', c.name);
    assert.equal(res.body.publish.lastError?.code, c.code, `${c.name}: ${res.body.publish.lastError?.message}`);
    assert.match(res.body.publish.lastError?.message ?? '', c.hint, c.name);
  }
  const health = await site.admin('GET', '/sites/PS1/ports');
  assert.equal(health.status, 200, 'the site keeps serving');
  const fixed = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: server.dn,
    password: server.password,
  });
  assert.equal(fixed.body.publish.state, 'published');
});

test('refuses bad directory settings with E_DIRECTORY_CONFIG and leaves the stored settings untouched', async (t) => {
  const site = await startTestServer(t, { publicHosts: ['127.0.0.1'], ...FAST });
  const good = { url: 'ldap://127.0.0.1:1/dc=example,dc=test', bindDn: server.dn, password: 'x' };
  assert.equal((await site.admin('PUT', '/sites/PS1/directory', good)).status, 200);
  const before = (await site.admin<DirectoryView>('GET', '/sites/PS1/directory')).body;
  const bad: Array<[string, unknown, string]> = [
    ['http scheme', { ...good, url: 'http://127.0.0.1/' }, 'url'],
    ['not a URL', { ...good, url: 'nope' }, 'url'],
    ['credentials in URL', { ...good, url: 'ldap://u:p@127.0.0.1/' }, 'url'],
    ['bad base DN', { ...good, url: 'ldap://127.0.0.1/not-a-dn' }, 'url'],
    ['bad bind DN', { ...good, bindDn: 'admin' }, 'bindDn'],
    ['new bind DN without password', { url: good.url, bindDn: 'cn=other,dc=example,dc=test' }, 'password'],
    ['bad port property', { ...good, installProperties: ['CCMHTTPPORT=0'] }, 'installProperties'],
    ['unknown property', { ...good, installProperties: ['FOO=1'] }, 'installProperties'],
  ];
  // What the body's schema states is refused before the directory rules run, as for every admin request.
  const malformed: Array<[string, unknown, string, string | undefined]> = [
    ['empty password', { ...good, password: '' }, 'E_VALIDATION', 'password'],
    ['unknown field', { ...good, colour: 'red' }, 'E_VALIDATION', 'colour'],
    ['not an object', '[1]', 'E_BAD_REQUEST', undefined],
  ];
  for (const [name, body, code, field] of [
    ...bad.map(([n, b, f]) => [n, b, 'E_DIRECTORY_CONFIG', f] as const),
    ...malformed,
  ]) {
    const res = await site.admin<{ error: { code: string; details?: { field?: string } } }>(
      'PUT',
      '/sites/PS1/directory',
      body,
    );
    assert.equal(res.status, 400, name);
    assert.equal(res.body.error.code, code, name);
    assert.equal(res.body.error.details?.field, field, name);
  }
  const after = (await site.admin<DirectoryView>('GET', '/sites/PS1/directory')).body;
  assert.deepEqual({ ...after, publish: null }, { ...before, publish: null });
  const other = await site.admin<{ error: { code: string } }>('GET', '/sites/XX9/directory');
  assert.equal(other.body.error.code, 'E_SITE_NOT_FOUND');
});
