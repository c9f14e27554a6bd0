import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, startCli } from './run-cli.js';
import type { HasAfter } from './temp-dir.js';

/** `siteport server` flags for a test: every port picked free (the admin API, HTTP, HTTPS, notification). */
export const FREE_PORT_FLAGS: readonly string[] = Object.freeze([
  '--admin-port',
  '0',
  '--http-port',
  '0',
  '--https-port',
  '0',
  '--notification-port',
  '0',
]);

/** `siteport server` flags for a test: every port picked free, the management point on loopback. */
export const LOOPBACK_PORT_FLAGS: readonly string[] = Object.freeze([...FREE_PORT_FLAGS, '--bind', '127.0.0.1']);

/**
 * `siteport server` on `data` with `flags` (under `prefix`, such as a network namespace, when given);
 * resolves with its banner, the admin URL, the CA fingerprint, a stop function (also run after the
 * test), `api`, which calls the admin API with the server's token and throws on an answer that is not
 * 2xx, and `json`, which runs `siteport <args> --json` against it and parses what it printed.
 */
export async function startCliServer(
  t: HasAfter,
  data: string,
  flags: readonly string[],
  options: { prefix?: string[] } = {},
) {
  const server = startCli(
    ['server', '--data', data, ...flags, '--log-level', 'warn'],
    /client communication mode/,
    options.prefix === undefined ? {} : { prefix: options.prefix },
  );
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await exited;
  };
  t.after(stop);
  const banner = await server.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!;
  const token = readFileSync(path.join(data, 'admin-token'), 'utf8').trim();
  const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${adminUrl}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const res = await runCli([...args, '--server', adminUrl, '--data', data, '--json']);
    assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    return JSON.parse(res.stdout) as T;
  };
  return { banner, adminUrl, ca: /SMSCAFINGERPRINT\): (\w+)/.exec(banner)![1]!, stop, api, json };
}
