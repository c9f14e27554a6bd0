// Writes docs/openapi.json: starts a real site server in a temp dir and saves the document it
// serves, so the committed file is exactly what the API says (a test checks it stays current).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { SiteServer } from '@siteport/server';

const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-openapi-'));
const server = await SiteServer.start(
  { dataDir: dir, adminPort: 0, httpPort: 0, httpsPort: 0, notificationPort: 0, bindHost: '127.0.0.1' },
  pino({ level: 'silent' }),
);
try {
  const doc: unknown = await (await fetch(`${server.info.adminUrl}/api/v1/openapi.json`)).json();
  writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
  console.log('docs/openapi.json written');
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
