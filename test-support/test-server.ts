import pino from 'pino';
import { SiteServer, type ServerOptionsInput } from '@siteport/server';
import { sharedPostgresDatabase, testDatabaseDialect } from './postgres.js';
import { type HasAfter, tempDir } from './temp-dir.js';

/** A running site server on free ports in a temp dir, with a JSON client for its admin API. */
export interface TestServer {
  server: SiteServer;
  dataDir: string;
  adminUrl: string;
  token: string;
  admin: <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ) => Promise<{ status: number; body: T }>;
  stop: () => Promise<void>;
}

/** A restarted server of the same data dir finds its database again. */
const postgresByDataDir = new Map<string, Promise<string>>();
function postgresFor(dataDir: string): Promise<string> {
  let url = postgresByDataDir.get(dataDir);
  if (url === undefined) postgresByDataDir.set(dataDir, (url = sharedPostgresDatabase()));
  return url;
}

/**
 * Starts a site server for a test; every port is 0 (free) unless given. Stopped after the test.
 * Under `SITEPORT_TEST_DATABASE=postgres` it runs on a fresh PostgreSQL database instead of SQLite.
 */
export async function startTestServer(t: HasAfter, input: ServerOptionsInput = {}): Promise<TestServer> {
  const dataDir = input.dataDir ?? tempDir(t);
  const databaseUrl =
    input.databaseUrl ?? (testDatabaseDialect() === 'postgres' ? await postgresFor(dataDir) : undefined);
  const server = await SiteServer.start(
    {
      adminPort: 0,
      httpPort: 0,
      httpsPort: 0,
      notificationPort: 0,
      bindHost: '127.0.0.1',
      ...input,
      dataDir,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    },
    pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' }),
  );
  t.after(() => server.stop());
  const { readFile } = await import('node:fs/promises');
  const token = (await readFile(server.info.adminTokenFile, 'utf8')).trim();
  const adminUrl = server.info.adminUrl;
  return {
    server,
    dataDir,
    adminUrl,
    token,
    stop: () => server.stop(),
    admin: async <T>(method: string, path: string, body?: unknown, bearer = token) => {
      const res = await fetch(`${adminUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
