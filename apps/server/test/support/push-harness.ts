import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import type { PushHostView } from '@siteport/protocol';
import type { HasAfter } from '../../../../test-support/temp-dir.js';

/** A port that is free right now (for a site port change in a test). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Admin = <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** Polls the push inventory until `done` holds for every host, or fails after `timeoutMs` with the last state. */
export async function waitForHosts(
  admin: Admin,
  site: string,
  done: (h: PushHostView) => boolean,
  ids: readonly string[],
  timeoutMs = 120_000,
): Promise<PushHostView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await admin<{ hosts: PushHostView[] }>('GET', `/sites/${site}/push/hosts`);
    const mine = body.hosts.filter((h) => ids.includes(h.id));
    if (mine.length === ids.length && mine.every(done)) return mine;
    if (Date.now() > deadline) {
      // Name the hosts that are not there yet first, in one line each, so a truncated log still shows them.
      const pending = mine
        .filter((h) => !done(h))
        .map(
          (h) =>
            `${h.host}:${h.port} ${h.status} attempts=${h.attempts} ${h.errorCode ?? ''} next=${h.nextAttemptAt ?? 'none'} ${h.reason ?? ''}`,
        );
      const missing = ids.filter((id) => !mine.some((h) => h.id === id));
      throw new Error(
        `push hosts did not reach the expected state: ${[...pending, ...missing.map((id) => `${id} missing`)].join('; ')}\n${JSON.stringify(mine, null, 2)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The pid of the agent an install root runs, if it is alive. */
export function agentPid(installDir: string): number | null {
  const file = path.join(installDir, 'state', 'agent.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * A temp folder for the install roots of pushed hosts. When the test ends, the agents that pushes
 * started there are stopped (SIGTERM) first, then the folder is removed.
 */
export function installRoots(t: HasAfter): string {
  const base = mkdtempSync(path.join(os.tmpdir(), 'siteport-push-'));
  t.after(async () => {
    const dirs = readdirSync(base).flatMap((n) => [path.join(base, n), path.join(base, n, 'root')]);
    for (const dir of dirs) {
      const pid = agentPid(dir);
      if (pid === null) continue;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (agentPid(dir) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    for (const name of readdirSync(base)) spawnSync('umount', ['-l', path.join(base, name)], { stdio: 'ignore' });
    rmSync(base, { recursive: true, force: true });
  });
  return base;
}

/** The client.json an install root holds. */
export function installedConfig(installDir: string): {
  clientId: string | null;
  ports: { http: { default: number }; https: { default: number } };
} {
  return JSON.parse(readFileSync(path.join(installDir, 'state', 'client.json'), 'utf8')) as ReturnType<
    typeof installedConfig
  >;
}
