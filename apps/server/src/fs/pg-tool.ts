import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SiteportError } from '@siteport/protocol';

/** Where Debian's PostgreSQL packages put the client programs of each major version. */
const VERSIONED_ROOT = '/usr/lib/postgresql';
/** How much of a tool's stderr an error quotes. */
const STDERR_LIMIT = 4096;

/** How siteport finds and bounds PostgreSQL's own client programs. */
export interface PgToolOptions {
  /** A directory holding `pg_dump` and `pg_restore` (`--pg-bin`, `SITEPORT_PG_BIN`); else PATH, then `/usr/lib/postgresql/<newest>/bin`. */
  pgBin?: string;
  /**
   * Seconds one run of a tool may take before it is stopped.
   * @default 3600
   */
  timeoutSeconds?: number;
}

async function executable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The path of `pg_dump` or `pg_restore`: in `pgBin` when given (and only there), else on PATH, else in the newest versioned directory. */
export async function findPgTool(name: 'pg_dump' | 'pg_restore', pgBin: string | undefined): Promise<string> {
  if (pgBin !== undefined) {
    const file = path.resolve(pgBin, name);
    if (await executable(file)) return file;
    throw new SiteportError(
      'E_PG_TOOL_FAILED',
      `${file} is not an executable ${name}; --pg-bin names the directory that holds it`,
    );
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '')) {
    if (await executable(path.join(dir, name))) return path.join(dir, name);
  }
  const versions = await fs.readdir(VERSIONED_ROOT).catch(() => [] as string[]);
  for (const version of versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))) {
    const file = path.join(VERSIONED_ROOT, version, 'bin', name);
    if (await executable(file)) return file;
  }
  throw new SiteportError(
    'E_PG_TOOL_FAILED',
    `${name} is neither on PATH nor in ${VERSIONED_ROOT}/*/bin; install PostgreSQL's client programs (at least the server's major version) or name their directory with --pg-bin`,
  );
}

/** A libpq connection: the URL without its password (safe for argv and messages), and the password apart. */
export function libpqConnection(url: string): { dbname: string; password: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SiteportError('E_OPTION', 'the database URL is not a valid postgres://user@host/db URL');
  }
  const password =
    parsed.password !== '' ? decodeURIComponent(parsed.password) : (parsed.searchParams.get('password') ?? undefined);
  parsed.password = '';
  parsed.searchParams.delete('password');
  return { dbname: parsed.toString(), password };
}

/** A password as a `.pgpass` field: `\` and `:` escaped. */
function pgpassField(value: string): string {
  return value.replace(/[\\:]/g, (c) => `\\${c}`);
}

/**
 * Runs a PostgreSQL client program to its end, or stops it at the deadline (E_PG_TOOL_TIMEOUT).
 * A password travels in a `.pgpass` file (mode 0600 in a private temp dir, removed afterwards),
 * never in argv or the environment; a non-zero exit is E_PG_TOOL_FAILED quoting its stderr.
 */
export async function runPgTool(options: {
  binary: string;
  args: string[];
  password?: string | undefined;
  timeoutSeconds: number;
}): Promise<void> {
  const name = path.basename(options.binary);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGAPPNAME: 'siteport',
    PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '30',
  };
  let passDir: string | undefined;
  if (options.password !== undefined) {
    if (/[\r\n]/.test(options.password)) {
      env.PGPASSWORD = options.password;
    } else {
      passDir = await fs.mkdtemp(path.join(os.tmpdir(), 'siteport-pgpass-'));
      const passFile = path.join(passDir, 'pgpass');
      await fs.writeFile(passFile, `*:*:*:*:${pgpassField(options.password)}\n`, { mode: 0o600, flag: 'wx' });
      env.PGPASSFILE = passFile;
      delete env.PGPASSWORD;
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(options.binary, options.args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < STDERR_LIMIT) stderr += chunk.toString().slice(0, STDERR_LIMIT - stderr.length);
      });
      let timedOut = false;
      let killer: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      }, options.timeoutSeconds * 1000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new SiteportError('E_PG_TOOL_FAILED', `${options.binary} could not be started: ${error.message}`, {
            cause: error,
          }),
        );
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(killer);
        if (timedOut) {
          reject(
            new SiteportError(
              'E_PG_TOOL_TIMEOUT',
              `${name} did not finish within ${options.timeoutSeconds} s and was stopped; raise --pg-timeout, or check that the database is reachable and not locked`,
            ),
          );
          return;
        }
        if (code === 0) {
          resolve();
          return;
        }
        let said = stderr.trim().split('\n').slice(0, 6).join(' / ');
        if (options.password !== undefined && options.password !== '') said = said.replaceAll(options.password, '***');
        reject(
          new SiteportError(
            'E_PG_TOOL_FAILED',
            `${name} failed (${code === null ? `signal ${signal}` : `exit ${code}`})${said === '' ? '' : `: ${said}`}`,
          ),
        );
      });
    });
  } finally {
    if (passDir !== undefined) await fs.rm(passDir, { recursive: true, force: true });
  }
}
