import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Client } from 'ldapts';
import pino from 'pino';
import {
  DIRECTORY_MANAGEMENT_POINT_READ_LIMIT,
  ENTRY_OBJECT_CLASSES,
  MAX_DIRECTORY_MANAGEMENT_POINTS,
  managementPointAttributes,
  managementPointEntryDn,
  siteAttributes,
  siteEntryDn,
} from '@siteport/protocol';
import { SLAPD_ACCOUNTS, startSlapd } from '../../../test-support/slapd.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Discovery } from '../src/discovery/discovery.js';
import { readDirectorySite } from '../src/discovery/directory-reader.js';
import { StateStore, runSetup } from '../src/index.js';

const PORTS = { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } };

/** Attribute values as ldapts adds them: empty lists left out. */
function present(attrs: Record<string, string[]>): { type: string; values: string[] }[] {
  return Object.entries(attrs)
    .filter(([, v]) => v.length > 0)
    .map(([type, values]) => ({ type, values }));
}

test('a directory publishing hundreds of management points, many of them hostile, gives an agent a bounded set of valid ones; the bad entries are logged once and discovery goes on', async (t) => {
  if (!requireTool(t, 'slapd', 'apt-get install slapd ldap-utils')) return;
  const ldap = await startSlapd(t);
  const writer = new Client({ url: ldap.url });
  await writer.bind(SLAPD_ACCOUNTS.siteServer.dn, SLAPD_ACCOUNTS.siteServer.password);
  const add = (dn: string, classes: readonly string[], attrs: Record<string, string[]>, cn: string) =>
    writer.add(dn, {
      objectClass: [...classes],
      cn,
      ...Object.fromEntries(present(attrs).map((a) => [a.type, a.values])),
    });
  await add(
    siteEntryDn(ldap.baseDn, 'PS1'),
    ENTRY_OBJECT_CLASSES.site,
    siteAttributes({
      siteCode: 'PS1',
      settingsVersion: 2,
      ports: PORTS,
      notification: 10123,
      customWebSite: false,
      communicationMode: 'https-or-http',
      policyIntervalSeconds: 60,
      installProperties: [],
      caCertificate: null,
    }),
    'siteport-site-PS1',
  );
  const hostile = [
    'mp.example.test; curl evil | sh',
    'http://evil.example/',
    'evil.example:8080',
    '-x.example',
    'a..b',
    `${'x'.repeat(64)}.example`,
  ];
  const mp = (i: number, host: string, notification = 10123) =>
    add(
      managementPointEntryDn(ldap.baseDn, 'PS1', `n${i}`),
      ENTRY_OBJECT_CLASSES.managementPoint,
      managementPointAttributes({ siteCode: 'PS1', host, settingsVersion: 2, ports: PORTS, notification }),
      `siteport-mp-PS1-n${i}`,
    );
  let n = 0;
  for (const host of hostile) await mp(n++, host);
  await mp(n++, 'badport.example.test', 70_000);
  for (let i = 0; i < 300; i += 1) await mp(n++, `mp${i}.example.test`);
  await writer.unbind();

  const directory = { url: ldap.url, baseDn: ldap.baseDn, bindDn: SLAPD_ACCOUNTS.client.dn };
  const found = await readDirectorySite(directory, SLAPD_ACCOUNTS.client.password, 'PS1', 10_000);
  assert.equal(found.site.siteCode, 'PS1');
  assert.ok(found.managementPoints.length <= MAX_DIRECTORY_MANAGEMENT_POINTS, `${found.managementPoints.length} MPs`);
  assert.ok(found.managementPoints.length > 0);
  assert.ok(
    found.managementPoints.every((m) => /^mp\d+\.example\.test$/.test(m.host)),
    'only valid hosts',
  );
  assert.ok(found.skipped.length <= DIRECTORY_MANAGEMENT_POINT_READ_LIMIT);
  assert.ok(found.skipped.every((e) => e.code === 'E_DIRECTORY_ENTRY'));

  // The agent's discovery takes the bounded set and says once what it left out.
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const stateDir = tempDir(t, 'siteport-directory-hostile-');
  const store = new StateStore(stateDir);
  const config = runSetup({
    stateDir,
    properties: ['SMSSITECODE=PS1', 'SMSMP=127.0.0.1'],
    httpOnly: false,
    directory: { settings: directory, password: SLAPD_ACCOUNTS.client.password },
  });
  const discovery = new Discovery({ store, dnsServers: [], timeoutMs: 10_000, logger }, config);
  for (let i = 0; i < 3; i += 1) await discovery.fromDirectory(config);
  const status = discovery.status().directory;
  assert.equal(status?.lastError, null);
  assert.ok((status?.managementPoints.length ?? 0) <= MAX_DIRECTORY_MANAGEMENT_POINTS);
  assert.ok(status?.managementPoints.every((h) => /^mp\d+\.example\.test$/.test(h)));
  const skippedLogs = lines.filter((l) => l.includes('invalid management point entr'));
  assert.equal(skippedLogs.length, found.skipped.length === 0 ? 0 : 1, lines.join(''));
});
