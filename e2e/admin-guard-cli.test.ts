import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

/** A GET or POST with any Host header, as a DNS-rebinding page or a hostile script sends it. */
function call(
  url: string,
  host: string,
  body?: unknown,
  origin?: string,
): Promise<{ status: number; retryAfter: string | undefined; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: {
          host,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(origin === undefined ? {} : { origin }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const code = /"code":"(\w+)"/.exec(text)?.[1];
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], code });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('siteport server --admin-allow-host, --sign-in-failures, --source-failures and --lockout guard the admin listener, and the CLI reports a blocked token', async (t) => {
  const data = tempDir(t);
  const flags = [
    '--admin-allow-host',
    'admin.siteport.test',
    '--sign-in-failures',
    '2',
    '--source-failures',
    '3',
    '--lockout',
    '60',
  ];
  const server = startCli(
    ['server', '--data', data, ...LOOPBACK_PORT_FLAGS, ...flags, '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(() => server.child.kill('SIGTERM'));
  const banner = await server.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  const port = new URL(adminUrl).port;

  assert.equal(
    (await call(`${adminUrl}/api/v1/health`, `admin.siteport.test:${port}`)).status,
    200,
    'the configured name is served',
  );
  const rebound = await call(`${adminUrl}/api/v1/health`, `evil.example:${port}`);
  assert.deepEqual([rebound.status, rebound.code], [421, 'E_ADMIN_HOST']);

  const session = `${adminUrl}/api/v1/session`;
  const origin = `http://localhost:${port}`;
  const host = `localhost:${port}`;
  for (let i = 0; i < 2; i++)
    assert.equal((await call(session, host, { user: 'admin', password: `wrong ${i}` }, origin)).code, 'E_SIGN_IN');
  const password = readFileSync(path.join(data, 'console-initial-password'), 'utf8').trim();
  const locked = await call(session, host, { user: 'admin', password }, origin);
  assert.deepEqual([locked.status, locked.code], [429, 'E_SIGN_IN_LOCKED'], '--sign-in-failures 2 locked the name');
  assert.ok(
    Number(locked.retryAfter) > 0 && Number(locked.retryAfter) <= 60,
    `--lockout 60 bounds Retry-After (${locked.retryAfter})`,
  );

  const badToken = path.join(data, 'wrong-token');
  writeFileSync(badToken, `${'x'.repeat(43)}\n`);
  const show = (server: string, tokenFile: string) =>
    runCli(['ports', 'show', '--server', server, '--token-file', tokenFile]);
  for (let i = 0; i < 3; i++) {
    const wrong = await show(adminUrl, badToken);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^siteport: E_UNAUTHORIZED: /);
  }
  const blocked = await show(adminUrl, badToken);
  assert.equal(blocked.code, 1, '--source-failures 3 blocked the address');
  assert.match(
    blocked.stderr,
    /^siteport: E_TOKEN_BLOCKED: too many wrong bearer tokens from 127\.0\.0\.1; its wrong tokens are refused for \d+ more seconds/,
  );

  const right = await show(adminUrl, path.join(data, 'admin-token'));
  assert.equal(right.code, 0, `the right token still works from the blocked address: ${right.stderr}`);
});

test('siteport server refuses a malformed --admin-allow-host or an out-of-range --lockout, --sign-in-failures or --source-failures as E_OPTION', async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ['--admin-allow-host', 'evil.example/x'],
      /E_OPTION: --admin-allow-host must be a host name like admin\.example\.org or an IP address/,
    ],
    [['--lockout', '0'], /E_OPTION: --lockout must be a whole number of seconds from 1 to 86400/],
    [['--sign-in-failures', 'many'], /E_OPTION: --sign-in-failures must be a whole number from 1 to 1000/],
    [['--source-failures', '0'], /E_OPTION: --source-failures must be a whole number from 1 to 100000/],
  ];
  for (const [extra, message] of cases) {
    const res = await runCli(['server', '--data', tempDir(t), ...LOOPBACK_PORT_FLAGS, ...extra]);
    assert.equal(res.code, 2, `${extra.join(' ')}: a bad option is a usage error`);
    assert.match(res.stderr, message, extra.join(' '));
  }
});
