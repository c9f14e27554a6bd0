import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `siteport` executable as users run it. */
export const SITEPORT_BIN = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `siteport …` to completion (optionally under another command prefix such as setpriv). */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; prefix?: string[]; timeoutMs?: number } = {},
): Promise<CliResult> {
  const [cmd, ...rest] = [...(options.prefix ?? []), process.execPath, SITEPORT_BIN, ...args];
  const child = spawn(cmd!, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, options.timeoutMs ?? 60_000);
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running `siteport …` process; resolves once `ready` matches its stdout. */
export function startCli(
  args: readonly string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[] } = {},
) {
  const [cmd, ...rest] = [...(options.prefix ?? []), process.execPath, SITEPORT_BIN, ...args];
  const child = spawn(cmd!, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${ready}; stderr: ${stderr.slice(-2000)}`)),
      options.timeoutMs ?? 60_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (ready.test(stdout)) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`siteport ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
  return { child, started, output: () => ({ stdout, stderr }) };
}
