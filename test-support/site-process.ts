import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { startCli } from './run-cli.js';
import { FREE_PORT_FLAGS } from './server-flags.js';
import type { HasAfter } from './temp-dir.js';

/** A spawned `siteport server` (site server or `--role mp`), stopped after the test. */
export interface SiteProcess {
  child: ChildProcess;
  /** The banner it printed. */
  banner: string;
  /** SIGKILL, resolved when it is gone. */
  kill9: () => Promise<void>;
  /** SIGTERM, resolved when it exited. */
  stop: () => Promise<void>;
}

/** A spawned site server with its admin API. */
export interface SiteServerProcess extends SiteProcess {
  adminUrl: string;
  token: string;
  /** JSON admin call; throws with the body on a non-2xx answer unless `allowError`. */
  api: <T>(method: string, path: string, body?: unknown, allowError?: boolean) => Promise<{ status: number; body: T }>;
}

function handle(t: HasAfter, run: ReturnType<typeof startCli>, banner: string): SiteProcess {
  const { child } = run;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  t.after(() => signal('SIGTERM'));
  return { child, banner, kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Starts `siteport server` for a site on `dbUrl` (free ports on `bind`, policy interval 1 s). */
export async function startSiteProcess(
  t: HasAfter,
  options: { dataDir: string; dbUrl: string; bind?: string; extra?: string[] },
): Promise<SiteServerProcess> {
  const run = startCli(
    [
      'server',
      '--data',
      options.dataDir,
      '--db',
      options.dbUrl,
      ...FREE_PORT_FLAGS,
      '--bind',
      options.bind ?? '127.0.0.1',
      '--policy-interval',
      '1',
      '--log-level',
      'warn',
      ...(options.extra ?? []),
    ],
    /client communication mode/,
  );
  const banner = await run.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1] ?? '';
  const token = (await readFile(`${options.dataDir}/admin-token`, 'utf8')).trim();
  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    allowError = false,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok && !allowError) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return { status: res.status, body: json };
  };
  return { ...handle(t, run, banner), adminUrl, token, api };
}

/** Starts an additional MP of the site (`siteport server --role mp`) on `bind`, sharing the site server's data dir. */
export async function startMpProcess(
  t: HasAfter,
  options: { dataDir: string; dbUrl: string; bind: string; extra?: string[] },
): Promise<SiteProcess> {
  const run = startCli(
    [
      'server',
      '--role',
      'mp',
      '--data',
      options.dataDir,
      '--db',
      options.dbUrl,
      '--bind',
      options.bind,
      '--log-level',
      'warn',
      ...(options.extra ?? []),
    ],
    /client communication mode/,
  );
  return handle(t, run, await run.started);
}
