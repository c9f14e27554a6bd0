import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HasAfter } from '../test-support/temp-dir.js';

/** A process started from a packaged file tree (container tree, unpacked .deb), stopped after the test. */
export interface PackagedProcess {
  child: ChildProcess;
  /** Everything it wrote so far. */
  output: () => string;
  /** SIGTERM, resolved with its exit code once it exited. */
  stop: () => Promise<number | null>;
}

/** Spawns `command` and resolves once its stdout matches `ready`, if given (rejects if it exits first or after `timeoutMs`). */
export async function startPackaged(
  t: HasAfter,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; ready?: RegExp; timeoutMs?: number },
): Promise<PackagedProcess> {
  const child = spawn(command, [...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = (): string => `${stdout}\n${stderr}`;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  t.after(async () => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await stop();
    clearTimeout(timer);
  });
  const ready = options.ready;
  if (ready === undefined) return { child, output, stop };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} ${args.join(' ')} did not print ${String(ready)} in time:\n${output()}`)),
      options.timeoutMs ?? 60_000,
    );
    const check = (): void => {
      if (ready.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${String(code)} before it was ready:\n${output()}`));
    });
  });
  return { child, output, stop };
}

/** A JSON call to a site server's admin API with the token from its data dir. */
export async function adminCall<T>(adminUrl: string, dataDir: string, path: string): Promise<T> {
  const token = readFileSync(`${dataDir}/admin-token`, 'utf8').trim();
  const res = await fetch(`${adminUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The admin URL a server printed in its banner. */
export function adminUrlOf(banner: string): string {
  const url = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  if (url === undefined) throw new Error(`no admin URL in the banner:\n${banner}`);
  return url;
}
