import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { DirectoryView } from '@siteport/protocol';
import { SiteServer } from '@siteport/server';
import { requireTool } from '../../../test-support/require-tool.js';
import { SLAPD_ACCOUNTS, ldifValues, startSlapd, throwawayCa } from '../../../test-support/slapd.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { startTestServer } from '../../../test-support/test-server.js';

const FAST = { directoryRetryBaseMs: 100, directoryRetryMaxMs: 400, directoryTimeoutMs: 2000 };
const account = SLAPD_ACCOUNTS.siteServer;

function haveSlapd(t: Parameters<typeof requireTool>[0]): boolean {
  return (
    requireTool(t, 'slapd', 'apt-get install slapd ldap-utils') &&
    requireTool(t, 'ldapsearch', 'apt-get install ldap-utils') &&
    requireTool(t, 'openssl', 'apt-get install openssl')
  );
}

/** The bytes of the SQLite database and its -wal and -shm files, as one latin1 string. */
function databaseBytes(dataDir: string): string {
  return ['site.db', 'site.db-wal', 'site.db-shm']
    .map((name) => {
      try {
        return readFileSync(path.join(dataDir, name)).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** These tests read the SQLite files: they run on SQLite even under SITEPORT_TEST_DATABASE=postgres. */
function sqliteIn(dataDir: string): string {
  return `sqlite:${path.join(dataDir, 'site.db')}`;
}

/** A site server on SQLite whose log lines are kept (warn and above). */
async function startLogged(
  t: Parameters<typeof startTestServer>[0],
  dataDir: string,
): Promise<{ server: SiteServer; logs: () => string }> {
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const server = await SiteServer.start(
    {
      dataDir,
      adminPort: 0,
      httpPort: 0,
      httpsPort: 0,
      notificationPort: 0,
      bindHost: '127.0.0.1',
      ...FAST,
      publicHosts: ['127.0.0.1'],
    },
    pino({ level: 'warn' }, sink),
  );
  t.after(() => server.stop());
  return { server, logs: () => logs };
}

function adminOf(
  server: SiteServer,
): <T>(method: string, p: string, body?: unknown) => Promise<{ status: number; body: T }> {
  const token = readFileSync(server.info.adminTokenFile, 'utf8').trim();
  return async <T>(method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.info.adminUrl}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

test('the directory bind password is stored encrypted: the SQLite database, WAL and SHM files hold no plain text after saving directory settings, and ldap:// with a password is warned about', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  const dataDir = tempDir(t);
  const { server, logs } = await startLogged(t, dataDir);
  const admin = adminOf(server);
  const put = await admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: account.dn,
    password: account.password,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.publish.state, 'published', 'the sealed password still binds');
  const bytes = databaseBytes(dataDir);
  assert.ok(bytes.length > 0);
  assert.ok(!bytes.includes(account.password), 'no plain-text bind password in site.db, -wal or -shm');

  assert.equal(put.body.passwordSet, true);
  assert.equal(put.body.tls, 'none');
  assert.match(
    put.body.warnings.join('\n'),
    /sent in clear text to ldap:\/\/127\.0\.0\.1:\d+; use ldaps:\/\/ or StartTLS/,
  );
  assert.match(logs(), /"level":40.*sent in clear text/, 'the warning is logged at warn');
  const row = new Database(path.join(dataDir, 'site.db'), { readonly: true })
    .prepare('SELECT bind_password, bind_secret FROM directory_settings')
    .get() as { bind_password: string | null; bind_secret: string };
  assert.equal(row.bind_password, null);
  assert.match(row.bind_secret, /^v1:/);
});

test('a bind password an earlier version left in plain text is sealed at the next start, with a log line, and no longer found in the database files', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t);
  const dataDir = tempDir(t);
  const first = await startTestServer(t, {
    dataDir,
    databaseUrl: sqliteIn(dataDir),
    publicHosts: ['127.0.0.1'],
    ...FAST,
  });
  const anonymous = await first.admin('PUT', '/sites/PS1/directory', { url: `${ldap.url}/${ldap.baseDn}` });
  assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body));
  await first.stop();
  // What a version before migration 0011 stored: the password as plain text in bind_password.
  const raw = new Database(path.join(dataDir, 'site.db'));
  raw
    .prepare('UPDATE directory_settings SET bind_dn = ?, bind_password = ?, bind_secret = NULL')
    .run(account.dn, account.password);
  raw.close();
  assert.ok(databaseBytes(dataDir).includes(account.password), 'the plain text is in the file before the start');

  const { server, logs } = await startLogged(t, dataDir);
  assert.ok(
    !databaseBytes(dataDir).includes(account.password),
    'after the start no database file holds the plain text',
  );
  assert.match(logs(), /sealed the directory bind password\(s\) an earlier version stored in plain text/);
  const admin = adminOf(server);
  await server.directory?.settled();
  const view = await admin<DirectoryView>('GET', '/sites/PS1/directory');
  assert.equal(view.body.passwordSet, true);
  assert.equal(view.body.publish.state, 'published', JSON.stringify(view.body.publish));
});

test('an existing data dir of mode 0755 with a 0644 database, key and token becomes 0700 and 0600 at start, with a log line naming each change; a new one is created so', async (t) => {
  const dataDir = tempDir(t);
  const fresh = await startTestServer(t, { dataDir, databaseUrl: sqliteIn(dataDir) });
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'a new data dir is 0700');
  const modes = (): Map<string, number> => {
    const out = new Map<string, number>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        out.set(path.relative(dataDir, full), statSync(full).mode & 0o777);
        if (e.isDirectory()) walk(full);
      }
    };
    walk(dataDir);
    return out;
  };
  for (const name of ['site.db', 'site.db-wal', 'site.db-shm', 'push-secret.key', 'admin-token']) {
    assert.equal(modes().get(name), 0o600, `a new ${name} is 0600`);
  }
  for (const [name, mode] of modes())
    assert.equal(mode & 0o077, 0, `${name} (${mode.toString(8)}) is the server's alone`);
  await fresh.stop();

  chmodSync(dataDir, 0o755);
  const loosened = [
    'site.db',
    'push-secret.key',
    'admin-token',
    ...[...modes().keys()].filter((n) => n.endsWith('.key') || n.endsWith('.pem')),
  ];
  for (const name of loosened) chmodSync(path.join(dataDir, name), 0o644);
  const { logs } = await startLogged(t, dataDir);
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data dir is 0700 again');
  for (const [name, mode] of modes())
    assert.equal(mode & 0o077, 0, `${name} (${mode.toString(8)}) is the server's alone again`);
  assert.equal(modes().get('site.db'), 0o600);
  const line = logs()
    .split('\n')
    .find((l) => l.includes('took group and other access away'));
  assert.ok(line !== undefined, logs());
  assert.ok(line.includes(`${dataDir} 0755 -> 0700`), line);
  for (const name of loosened)
    assert.ok(line.includes(`${path.join(dataDir, name)} 0644 -> 0600`), `${name} in ${line}`);
});

test('publishes over ldaps:// and over StartTLS with the configured CA, and refuses a directory whose certificate another CA signed or the default store does not trust', async (t) => {
  if (!haveSlapd(t)) return;
  const ldap = await startSlapd(t, { tls: true });
  const tls = ldap.tls!;
  const other = await throwawayCa(tempDir(t), 'other');
  const site = await startTestServer(t, { publicHosts: ['127.0.0.1'], ...FAST });
  const dn = `cn=siteport-site-PS1,cn=System Management,${ldap.baseDn}`;
  const versions = async (): Promise<string[] | undefined> =>
    ldifValues(
      await ldap.ldapsearch('(objectClass=siteportSite)', ['siteportSettingsVersion']),
      'siteportSettingsVersion',
    ).get(dn);

  const ldaps = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${tls.ldapsUrl}/${ldap.baseDn}`,
    bindDn: account.dn,
    password: account.password,
    caCertificate: tls.ca.caPem,
  });
  assert.equal(ldaps.status, 200, JSON.stringify(ldaps.body));
  assert.equal(ldaps.body.publish.state, 'published', JSON.stringify(ldaps.body.publish));
  assert.deepEqual([ldaps.body.tls, ldaps.body.tlsCa, ldaps.body.warnings], ['ldaps', 'custom', []]);
  assert.deepEqual(await versions(), ['1'], 'the site entry was written over ldaps://');
  await site.admin('DELETE', '/sites/PS1/directory');
  assert.equal(await versions(), undefined);

  const startTls = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
    url: `${ldap.url}/${ldap.baseDn}`,
    bindDn: account.dn,
    password: account.password,
    startTls: true,
    caCertificate: tls.ca.caPem,
  });
  assert.equal(startTls.status, 200, JSON.stringify(startTls.body));
  assert.equal(startTls.body.publish.state, 'published', JSON.stringify(startTls.body.publish));
  assert.deepEqual([startTls.body.tls, startTls.body.warnings], ['starttls', []]);
  assert.deepEqual(await versions(), ['1'], 'the site entry was written over StartTLS');

  for (const [what, body] of [
    ['ldaps:// with another CA', { url: `${tls.ldapsUrl}/${ldap.baseDn}`, caCertificate: other.caPem }],
    ['StartTLS with another CA', { url: `${ldap.url}/${ldap.baseDn}`, startTls: true, caCertificate: other.caPem }],
    ['ldaps:// with the default store', { url: `${tls.ldapsUrl}/${ldap.baseDn}` }],
  ] as const) {
    const put = await site.admin<DirectoryView>('PUT', '/sites/PS1/directory', {
      bindDn: account.dn,
      password: account.password,
      ...body,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.notEqual(put.body.publish.state, 'published', what);
    assert.equal(
      put.body.publish.lastError?.code,
      'E_DIRECTORY_TLS',
      `${what}: ${JSON.stringify(put.body.publish.lastError)}`,
    );
    assert.match(put.body.publish.lastError?.message ?? '', /--ldap-ca-file/);
  }
  const bad = await site.admin<{ error: { code: string } }>('PUT', '/sites/PS1/directory', {
    url: `${tls.ldapsUrl}/${ldap.baseDn}`,
    startTls: true,
  });
  assert.equal(bad.body.error.code, 'E_DIRECTORY_CONFIG', 'StartTLS on ldaps:// is refused before anything is stored');
  const garbage = await site.admin<{ error: { code: string } }>('PUT', '/sites/PS1/directory', {
    url: `${tls.ldapsUrl}/${ldap.baseDn}`,
    caCertificate: '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n',
  });
  assert.equal(garbage.body.error.code, 'E_DIRECTORY_CONFIG', 'a CA that does not parse is refused');
});
