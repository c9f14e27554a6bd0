import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** Where Debian puts the PostgreSQL 15 server binaries. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL cluster on a loopback port, run as the `postgres` user. */
export interface TestPostgres {
  port: number;
  dir: string;
  /** `postgres://postgres@127.0.0.1:PORT/NAME` */
  url: (database?: string) => string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase: (prefix?: string) => Promise<string>;
  /** Runs one SQL statement with `psql` against a database (as the superuser); returns its output. */
  psql: (database: string, sql: string) => Promise<string>;
  /** Stops the server (fast shutdown: open connections are cut) and starts it again on the same port. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Stops the server and removes its files. */
  destroy: () => Promise<void>;
}

/** Whether the PostgreSQL binaries are here; skips the test (or fails it under SITEPORT_REQUIRE_ALL=1). */
export function requirePostgres(t: TestContext): boolean {
  if (existsSync(path.join(POSTGRES_BIN, 'initdb'))) return true;
  const reason = `PostgreSQL 15 binaries are not in ${POSTGRES_BIN} (apt-get install postgresql-15)`;
  if (process.env.SITEPORT_REQUIRE_ALL === '1') throw new Error(`SITEPORT_REQUIRE_ALL=1 but ${reason}`);
  t.skip(reason);
  return false;
}

/** Runs a PostgreSQL binary as the `postgres` user (the server refuses to run as root). */
function asPostgres(binary: string, args: string[]): Promise<{ stdout: string }> {
  const command = path.join(POSTGRES_BIN, binary);
  if (process.getuid?.() === 0)
    return run('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args], {
      cwd: '/',
    });
  return run(command, args, { cwd: '/' });
}

/**
 * Initialises a cluster in a temp dir (trust authentication on loopback only, fsync off: a test
 * cluster) and starts it on a free port. `maxConnections` bounds the sum of every process's pool.
 */
export async function startPostgres(options: { maxConnections?: number } = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-pg-'));
  if (process.getuid?.() === 0)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres']).toString()),
      Number(execFileSync('id', ['-g', 'postgres']).toString()),
    );
  const data = path.join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    `-c max_connections=${options.maxConnections ?? 200}`,
  ].join(' ');
  const log = path.join(dir, 'server.log');
  const start = async (): Promise<void> => {
    await asPostgres('pg_ctl', ['-D', data, '-l', log, '-o', settings, '-w', '-t', '60', 'start']);
  };
  const stop = async (): Promise<void> => {
    // A fast stop that fails or times out (a loaded machine) falls back to an immediate one, so no
    // server is left writing into the data dir that destroy() removes next.
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() =>
      asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => undefined),
    );
  };
  await start();
  const url = (database = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const psql = async (database: string, sql: string): Promise<string> =>
    (
      await asPostgres('psql', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-Atc',
        sql,
      ])
    ).stdout;
  let counter = 0;
  return {
    port,
    dir,
    url,
    psql,
    async createDatabase(prefix = 'site') {
      counter += 1;
      const name = `${prefix}_${process.pid}_${counter}`;
      await psql('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 50, retryDelay: 200 });
    },
  };
}

let shared: Promise<TestPostgres> | undefined;

/**
 * One cluster per test process, started on first use and stopped when the process exits; each
 * caller gets a fresh database in it. Used by `startTestServer` under `SITEPORT_TEST_DATABASE=postgres`.
 */
export async function sharedPostgresDatabase(): Promise<string> {
  if (shared === undefined) {
    shared = startPostgres();
    const cluster = await shared;
    process.once('exit', () => {
      try {
        const args = [
          path.join(POSTGRES_BIN, 'pg_ctl'),
          '-D',
          path.join(cluster.dir, 'data'),
          '-m',
          'immediate',
          '-w',
          'stop',
        ];
        if (process.getuid?.() === 0)
          execFileSync('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...args], {
            stdio: 'ignore',
            cwd: '/',
          });
        else execFileSync(args[0]!, args.slice(1), { stdio: 'ignore', cwd: '/' });
      } catch {
        // Already stopped.
      }
      rmSync(cluster.dir, { recursive: true, force: true });
    });
  }
  return (await shared).createDatabase();
}

/** The database the tests of this process run on: `SITEPORT_TEST_DATABASE=postgres` or the default SQLite. */
export function testDatabaseDialect(): 'sqlite' | 'postgres' {
  return process.env.SITEPORT_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}
