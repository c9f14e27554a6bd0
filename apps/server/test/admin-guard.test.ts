import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startTestServer, type TestServer } from '../../../test-support/test-server.js';

/** One HTTP answer, with the time it took and when it arrived. */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
  ms: number;
  doneAt: number;
}

/**
 * A request on its own connection, as a hostile client sends it: any Host header, any source
 * address on the loopback network (127.0.0.0/8 is all local on Linux).
 */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; localAddress?: string } = {},
): Promise<Answer> {
  const started = performance.now();
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const doneAt = performance.now();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, ms: doneAt - started, doneAt });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 60 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const initialPassword = (s: TestServer): string =>
  readFileSync(path.join(s.dataDir, 'console-initial-password'), 'utf8').trim();

function signIn(s: TestServer, user: string, password: string, localAddress?: string): Promise<Answer> {
  return request(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { origin: s.adminUrl },
    body: { user, password },
    ...(localAddress === undefined ? {} : { localAddress }),
  });
}

const codeOf = (a: Answer): string | undefined => (a.body as { error?: { code?: string } } | undefined)?.error?.code;
const retryAfter = (a: Answer): number => Number(a.headers['retry-after']);

test('twenty wrong passwords for one account are not all answered 401: after five the name is locked with 429 and Retry-After, the right password is refused too, and the lock is audited', async (t) => {
  const s = await startTestServer(t);
  const answers: Answer[] = [];
  for (let i = 0; i < 20; i++) answers.push(await signIn(s, 'admin', `wrong password ${i}`));
  assert.deepEqual(answers.slice(0, 5).map(codeOf), Array(5).fill('E_SIGN_IN'));
  for (const locked of answers.slice(5)) {
    assert.equal(locked.status, 429);
    assert.equal(codeOf(locked), 'E_SIGN_IN_LOCKED');
    assert.equal(locked.body.error.details.scope, 'account');
    assert.ok(retryAfter(locked) > 0 && retryAfter(locked) <= 900, `Retry-After ${locked.headers['retry-after']}`);
    assert.equal(locked.body.error.details.retryAfterSeconds, retryAfter(locked));
  }
  const right = await signIn(s, 'admin', initialPassword(s));
  assert.equal(right.status, 429, 'the right password is refused while the name is locked');
  assert.equal(codeOf(right), 'E_SIGN_IN_LOCKED');
  assert.equal(right.headers['set-cookie'], undefined);

  const audit = (await s.admin<{ entries: any[] }>('GET', '/audit')).body.entries;
  const lockouts = audit.filter((e) => e.action === 'console.sign-in.lockout');
  assert.equal(lockouts.length, 1, 'one lock, one audit entry');
  assert.equal(lockouts[0].newValue.user, 'admin');
  assert.equal(lockouts[0].newValue.failures, 5);
  assert.equal(lockouts[0].outcome, 'locked');

  // The lock is the name's: another account signs in from the same address.
  await s.admin('POST', '/console/users', { user: 'ana', role: 'analyst', password: 'correct horse battery' });
  assert.equal((await signIn(s, 'ana', 'correct horse battery')).status, 200);
});

test('a locked name signs in again once Retry-After has passed, and a successful sign-in forgets the failures before it', async (t) => {
  const s = await startTestServer(t, { signInFailures: 3, lockoutSeconds: 2 });
  const password = initialPassword(s);
  for (let i = 0; i < 3; i++) assert.equal(codeOf(await signIn(s, 'admin', 'wrong password')), 'E_SIGN_IN');
  const locked = await signIn(s, 'admin', password);
  assert.equal(codeOf(locked), 'E_SIGN_IN_LOCKED');
  assert.ok(retryAfter(locked) >= 1 && retryAfter(locked) <= 2);
  await new Promise((resolve) => setTimeout(resolve, retryAfter(locked) * 1000));
  assert.equal((await signIn(s, 'admin', password)).status, 200, 'the lock has ended');

  for (let i = 0; i < 2; i++) assert.equal(codeOf(await signIn(s, 'admin', 'wrong password')), 'E_SIGN_IN');
  assert.equal((await signIn(s, 'admin', password)).status, 200);
  // Without the reset these would be failures 3 and 4 of the name: locked.
  for (let i = 0; i < 2; i++) assert.equal(codeOf(await signIn(s, 'admin', 'wrong password')), 'E_SIGN_IN');
});

test('one address guessing across many account names is blocked with 429, also for the right password, while other addresses still sign in', async (t) => {
  const s = await startTestServer(t, { sourceFailures: 4 });
  for (const name of ['alice', 'bob', 'carol', 'dave'])
    assert.equal(codeOf(await signIn(s, name, 'Winter2026!')), 'E_SIGN_IN', name);
  const sprayed = await signIn(s, 'erin', 'Winter2026!');
  assert.equal(sprayed.status, 429);
  assert.equal(codeOf(sprayed), 'E_SIGN_IN_LOCKED');
  assert.equal(sprayed.body.error.details.scope, 'address');
  assert.ok(retryAfter(sprayed) > 0);
  assert.equal(
    codeOf(await signIn(s, 'admin', initialPassword(s))),
    'E_SIGN_IN_LOCKED',
    'the blocked address may not sign in at all',
  );
  assert.equal(
    (await signIn(s, 'admin', initialPassword(s), '127.0.0.2')).status,
    200,
    'another address is not blocked',
  );
});

test('a bearer-token guesser gets 429 with Retry-After after twenty wrong tokens; the right token keeps working from the same address, so nobody sharing it can lock the administrator out; right tokens between guesses do not refill the budget', async (t) => {
  const s = await startTestServer(t);
  const sites = `${s.adminUrl}/api/v1/sites`;
  const guess = (i: number, localAddress: string): Promise<Answer> =>
    request(sites, { headers: { authorization: `Bearer ${'g'.repeat(40)}${i}` }, localAddress });
  const right = (localAddress: string): Promise<Answer> =>
    request(sites, { headers: { authorization: `Bearer ${s.token}` }, localAddress });

  const answers: Answer[] = [];
  for (let i = 0; i < 25; i++) answers.push(await guess(i, '127.0.0.3'));
  assert.deepEqual(
    answers.slice(0, 20).map((a) => a.status),
    Array(20).fill(401),
  );
  for (const blocked of answers.slice(20)) {
    assert.equal(blocked.status, 429);
    assert.equal(codeOf(blocked), 'E_TOKEN_BLOCKED');
    assert.ok(retryAfter(blocked) > 0 && retryAfter(blocked) <= 900);
  }
  assert.equal(
    (await right('127.0.0.3')).status,
    200,
    'the right token is never refused: a local user cannot lock the administrator out',
  );
  assert.equal(codeOf(await guess(99, '127.0.0.3')), 'E_TOKEN_BLOCKED', 'the address stays blocked for wrong tokens');
  assert.equal((await right('127.0.0.1')).status, 200, 'another address is not blocked');

  // A caller holding one valid token cannot reset its budget by using it between guesses.
  const mixed: Answer[] = [];
  for (let i = 0; i < 21; i++) {
    assert.equal((await right('127.0.0.4')).status, 200);
    mixed.push(await guess(i, '127.0.0.4'));
  }
  assert.equal(mixed.filter((a) => a.status === 401).length, 20);
  assert.equal(codeOf(mixed[20]!), 'E_TOKEN_BLOCKED');
});

test('a flood of concurrent sign-ins is bounded: the excess is refused with 503 and Retry-After before any password check ends, and the console and health answer meanwhile', async (t) => {
  const s = await startTestServer(t, { signInFailures: 1000, sourceFailures: 1000 });
  await request(`${s.adminUrl}/console/`);
  const single = await signIn(s, 'admin', 'wrong password');
  assert.equal(codeOf(single), 'E_SIGN_IN');

  const flood = Array.from({ length: 40 }, (_, i) => signIn(s, 'admin', `wrong password ${i}`));
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Reading the console's files uses the same thread pool as scrypt: it starves if hashes queue there without bound.
  const [page, health] = await Promise.all([request(`${s.adminUrl}/console/`), request(`${s.adminUrl}/api/v1/health`)]);
  const answers = await Promise.all(flood);

  assert.equal(page.status, 200);
  assert.equal(health.status, 200);
  // Bounded: two hashes share the CPU with the page. Unbounded: the page waits behind ~40 hashes on 4 threads.
  const bound = 3 * single.ms;
  assert.ok(
    page.ms < bound,
    `the console page took ${Math.round(page.ms)} ms during the flood; one sign-in takes ${Math.round(single.ms)} ms`,
  );
  assert.ok(health.ms < bound, `health took ${Math.round(health.ms)} ms during the flood`);

  const busy = answers.filter((a) => codeOf(a) === 'E_PASSWORD_BUSY');
  const checked = answers.filter((a) => codeOf(a) === 'E_SIGN_IN');
  assert.equal(busy.length + checked.length, 40, JSON.stringify(answers.map(codeOf)));
  assert.ok(busy.length >= 20, `only ${busy.length} of 40 were refused as busy`);
  assert.ok(checked.length >= 2 && checked.length <= 20, `${checked.length} passwords were checked`);
  for (const a of busy) {
    assert.equal(a.status, 503);
    assert.ok(retryAfter(a) > 0);
  }
  const firstChecked = Math.min(...checked.map((a) => a.doneAt));
  assert.ok(
    busy.every((a) => a.doneAt < firstChecked),
    'every busy answer came before the first password check ended',
  );
});

test('a DNS-rebinding request (Host: evil.example) is refused with 421 E_ADMIN_HOST on every path, GETs and the console included, even with the token or the right password', async (t) => {
  const s = await startTestServer(t);
  const port = new URL(s.adminUrl).port;
  const evil = `evil.example:${port}`;
  const cases: [string, string, Record<string, string>, unknown][] = [
    ['GET', '/api/v1/health', {}, undefined],
    ['GET', '/api/v1/openapi.json', {}, undefined],
    ['GET', '/console/', {}, undefined],
    ['GET', '/api/v1/sites', { authorization: `Bearer ${s.token}` }, undefined],
    ['PATCH', '/api/v1/sites/PS1/ports', { authorization: `Bearer ${s.token}` }, { descriptions: { http: 'rebound' } }],
    ['POST', '/api/v1/session', { origin: `http://${evil}` }, { user: 'admin', password: initialPassword(s) }],
  ];
  for (const [method, p, headers, body] of cases) {
    const res = await request(`${s.adminUrl}${p}`, { method, headers: { host: evil, ...headers }, body });
    assert.equal(res.status, 421, `${method} ${p}`);
    assert.equal(codeOf(res), 'E_ADMIN_HOST', `${method} ${p}`);
    assert.match(res.body.error.message, /--admin-allow-host evil\.example/);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.doesNotMatch(res.text, /<div id="root">|siteCode|"openapi"/, `${method} ${p} leaks nothing`);
  }
  for (const host of [
    'EVIL.example',
    'evil.example.',
    'localhost.evil.example',
    '127.0.0.1.nip.io',
    `${os.hostname()}.evil.example`,
  ]) {
    const res = await request(`${s.adminUrl}/api/v1/health`, { headers: { host: `${host}:${port}` } });
    assert.equal(res.status, 421, host);
  }
  const ports = (await s.admin<any>('GET', '/sites/PS1/ports')).body;
  assert.notEqual(ports.descriptions.http, 'rebound');
  assert.equal(ports.version, 1);
});

test('the admin listener answers to IP addresses, localhost and this host name, and the console signs in under them', async (t) => {
  const s = await startTestServer(t);
  const port = new URL(s.adminUrl).port;
  for (const host of [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `LOCALHOST.:${port}`,
    `[::1]:${port}`,
    `${os.hostname()}:${port}`,
    `10.1.2.3:${port}`,
    'localhost',
  ]) {
    const res = await request(`${s.adminUrl}/api/v1/health`, { headers: { host } });
    assert.equal(res.status, 200, host);
  }
  const origin = `http://localhost:${port}`;
  const res = await request(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { host: `localhost:${port}`, origin },
    body: { user: 'admin', password: initialPassword(s) },
  });
  assert.equal(res.status, 200, res.text);
});

test('a name given with adminAllowHosts is served, goes into the site certificate, and the console Origin check follows it', async (t) => {
  const s = await startTestServer(t, { adminAllowHosts: ['Admin.Siteport.Test'] });
  const port = new URL(s.adminUrl).port;
  const host = `admin.siteport.test:${port}`;
  assert.equal((await request(`${s.adminUrl}/api/v1/health`, { headers: { host } })).status, 200);
  const signedIn = await request(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { host, origin: `http://${host}` },
    body: { user: 'admin', password: initialPassword(s) },
  });
  assert.equal(signedIn.status, 200, signedIn.text);
  const foreign = await request(`${s.adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { host, origin: `http://evil.example:${port}` },
    body: { user: 'admin', password: initialPassword(s) },
  });
  assert.equal(codeOf(foreign), 'E_ORIGIN');
  const cert = new X509Certificate(readFileSync(path.join(s.dataDir, 'pki', 'site.pem')));
  assert.equal(cert.checkHost('admin.siteport.test'), 'admin.siteport.test');
  assert.equal(
    (await request(`${s.adminUrl}/api/v1/health`, { headers: { host: `other.siteport.test:${port}` } })).status,
    421,
  );
});
