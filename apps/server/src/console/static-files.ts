import { promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePath } from '../http/index.js';

/** Where `npm install` (the root `prepare` script) builds the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist', import.meta.url));

/** URL prefix of the console on the admin listener. */
export const CONSOLE_PREFIX = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** Headers of every console response: no framing, no inline scripts, nothing from elsewhere. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the built console from `dir`: files under /console/ by name, and index.html for any other
 * path under it (client-side routes). Unknown paths outside the build are never read.
 */
export async function serveConsole(dir: string, pathname: string, res: http.ServerResponse): Promise<void> {
  const relative = decodePath(pathname.slice(CONSOLE_PREFIX.length));
  const root = path.resolve(dir);
  let file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) file = path.join(root, 'index.html');
  let body: Buffer;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) file = path.join(root, 'index.html');
    body = await fs.readFile(file);
  } catch {
    file = path.join(root, 'index.html');
    const index = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (index === undefined) {
      const text = Buffer.from(
        'The console is not built: run `npm install` (or `npm run build:console`) in the siteport repository, then reload.\n',
      );
      res.writeHead(503, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': text.length,
        ...SECURITY_HEADERS,
      });
      res.end(text);
      return;
    }
    body = index;
  }
  const type = TYPES[path.extname(file)] ?? 'text/plain; charset=utf-8';
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(body);
}
