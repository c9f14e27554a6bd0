import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CSRF_HEADER, type CreatedToken, type SessionView } from '@siteport/protocol';
import type { TestServer } from '../../../../test-support/test-server.js';
import { ClientRepository } from '../../src/clients/client-repository.js';
import { SiteRepository } from '../../src/site/site-repository.js';

/** A signed-in console browser: its cookie and CSRF token. */
export interface Browser {
  cookie: string;
  csrf: string;
  session: SessionView;
}

export const initialPassword = (s: TestServer): string =>
  readFileSync(path.join(s.dataDir, 'console-initial-password'), 'utf8').trim();

export async function signIn(
  s: TestServer,
  user: string,
  password: string,
): Promise<{ status: number; body: any; setCookie: string | null }> {
  const res = await fetch(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: s.adminUrl },
    body: JSON.stringify({ user, password }),
  });
  return { status: res.status, body: await res.json(), setCookie: res.headers.get('set-cookie') };
}

export async function browser(s: TestServer, user: string, password: string): Promise<Browser> {
  const res = await signIn(s, user, password);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { cookie: res.setCookie!.split(';')[0]!, csrf: res.body.csrfToken, session: res.body };
}

/** A console request with the session cookie, Origin and CSRF token a real console page sends. */
export async function call(
  s: TestServer,
  b: Browser,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.adminUrl}/api/v1${p}`, {
    method,
    headers: {
      cookie: b.cookie,
      ...(method === 'GET' ? {} : { origin: s.adminUrl, [CSRF_HEADER]: b.csrf }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Creates an API token with the bootstrap token and returns its secret. */
export async function makeToken(
  s: TestServer,
  name: string,
  role: string,
  sites: string[] | null = null,
  expiresAt: string | null = null,
): Promise<string> {
  const res = await s.admin<CreatedToken>('POST', '/tokens', { name, role, sites, expiresAt });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.secret;
}

/** Creates a console account with the bootstrap token. */
export async function makeUser(
  s: TestServer,
  user: string,
  role: string,
  sites: string[] | null = null,
  password = 'correct horse battery',
): Promise<void> {
  const res = await s.admin('POST', '/console/users', { user, role, password, sites });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** Adds a second site to the server's database (as a restored or merged database would hold), with the PS1 port settings. */
export async function addSite(s: TestServer, code: string): Promise<void> {
  const sites = new SiteRepository(s.server.db);
  const ports = await sites.ports('PS1');
  assert.ok(ports !== undefined);
  const now = new Date().toISOString();
  await sites.create(
    {
      code,
      name: `Site ${code}`,
      kind: 'primary',
      parentCode: null,
      policyIntervalSeconds: 60,
      activeWindowSeconds: 180,
      createdAt: now,
    },
    { settings: ports.settings, communicationMode: ports.communicationMode, updatedAt: now, updatedBy: 'test' },
  );
}

/** Adds a registered client to a site, straight into the database. */
export async function addClient(s: TestServer, siteCode: string, id: string, hostname: string): Promise<void> {
  await new ClientRepository(s.server.db).insert({
    id,
    siteCode,
    hostname,
    publicKey: 'test',
    keyFingerprint: `fp-${id}`,
    category: 'workgroup',
    agentVersion: '0.1.0',
    registeredAt: new Date().toISOString(),
    lastContact: null,
    settingsVersion: 1,
    agentState: 'running',
    stateDir: null,
    status: 'active',
    statusChangedAt: null,
  });
}
