import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { chromium } from 'playwright-core';
import { requireTool } from '../test-support/require-tool.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

const CHROMIUM = '/usr/bin/chromium';
/**
 * The attacker's DNS answer, pinned: `evil.example` resolves to this machine's loopback, as it does
 * after a DNS-rebinding attacker switched its record. `admin.siteport.test` is the operator's own name.
 */
const RESOLVER = '--host-resolver-rules=MAP evil.example 127.0.0.1, MAP admin.siteport.test 127.0.0.1';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--headless',
  RESOLVER,
];

interface AttackResult {
  signIn: number;
  change: number | undefined;
}

/**
 * What a page of the attacker's origin runs once its name points at the admin listener: it signs
 * in (here with the real password, standing for a guessed one: in the page's origin the Origin
 * check passes, since Origin and Host both say evil.example), then changes the site's ports.
 */
async function attack(password: string): Promise<AttackResult> {
  const signIn = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'admin', password }),
  });
  if (!signIn.ok) return { signIn: signIn.status, change: undefined };
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const change = await fetch('/api/v1/sites/PS1/ports', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-siteport-csrf': csrfToken },
    body: JSON.stringify({ descriptions: { http: 'changed by evil.example' } }),
  });
  return { signIn: signIn.status, change: change.status };
}

async function startSite(t: TestContext): Promise<{ adminUrl: string; dataDir: string; token: string }> {
  const dataDir = tempDir(t, 'siteport-rebinding-');
  const flags = [...LOOPBACK_PORT_FLAGS];
  const run = startCli(
    ['server', '--data', dataDir, ...flags, '--admin-allow-host', 'admin.siteport.test', '--log-level', 'warn'],
    /web console: /,
  );
  t.after(async () => {
    if (run.child.exitCode !== null) return;
    const exited = new Promise((r) => run.child.once('exit', r));
    run.child.kill('SIGTERM');
    await exited;
  });
  const out = await run.started;
  const adminUrl = /admin API: (\S+)\/api\/v1/.exec(out)![1]!;
  return { adminUrl, dataDir, token: readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim() };
}

test('in Chromium, a page whose name was rebound to the admin listener gets 421 for the console and the API and cannot sign in or change ports; the console works under a name given with --admin-allow-host', async (t) => {
  if (!requireTool(t, CHROMIUM, 'apt-get install -y chromium')) return;
  const site = await startSite(t);
  const port = new URL(site.adminUrl).port;
  const password = readFileSync(path.join(site.dataDir, 'console-initial-password'), 'utf8').trim();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  t.after(() => browser.close());

  const evil = await (await browser.newContext()).newPage();
  const loaded = await evil.goto(`http://evil.example:${port}/console/`);
  assert.equal(loaded?.status(), 421, 'the console is not served to the rebound name');
  assert.match(await evil.content(), /E_ADMIN_HOST/);
  const result = await evil.evaluate(attack, password);
  assert.deepEqual(result, { signIn: 421, change: undefined });
  const ports = (await (
    await fetch(`${site.adminUrl}/api/v1/sites/PS1/ports`, { headers: { authorization: `Bearer ${site.token}` } })
  ).json()) as { descriptions: { http: string } };
  assert.notEqual(ports.descriptions.http, 'changed by evil.example');

  const own = await (await browser.newContext()).newPage();
  const consolePage = await own.goto(`http://admin.siteport.test:${port}/console/`);
  assert.equal(consolePage?.status(), 200);
  await own.getByLabel('User name').fill('admin');
  await own.getByLabel('Password').fill(password);
  await own.getByRole('button', { name: 'Sign in' }).click();
  await own.getByTestId('who').waitFor();
  assert.match((await own.getByTestId('who').textContent()) ?? '', /admin/);
});
