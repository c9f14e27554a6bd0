import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Command } from 'commander';
import { ADMIN_PREFIX, SiteportError, shellCommand } from '@siteport/protocol';

/** Connection options every admin command shares (`--server`, `--token-file`, `--data`, `--ca-file`). */
export interface AdminConnectionOptions {
  server?: string;
  tokenFile?: string;
  data?: string;
  caFile?: string;
}

/** A small client of the admin API for the CLI. */
export class AdminClient {
  private constructor(
    private readonly base: URL,
    private readonly token: string,
    private readonly ca: string | undefined,
  ) {}

  /** Resolves server URL and token: flags, then SITEPORT_SERVER / SITEPORT_TOKEN, then the defaults. */
  static async connect(options: AdminConnectionOptions): Promise<AdminClient> {
    const serverText = options.server ?? process.env.SITEPORT_SERVER ?? 'http://127.0.0.1:8440';
    let base: URL;
    try {
      base = new URL(serverText);
    } catch (error) {
      throw new SiteportError(
        'E_OPTION',
        `--server must be a URL like http://127.0.0.1:8440, got ${JSON.stringify(serverText)}`,
        { cause: error },
      );
    }
    const tokenFile =
      options.tokenFile ?? (options.data === undefined ? undefined : path.join(options.data, 'admin-token'));
    let token = process.env.SITEPORT_TOKEN;
    if (tokenFile !== undefined) {
      try {
        token = (await fs.readFile(tokenFile, 'utf8')).trim();
      } catch (error) {
        throw new SiteportError(
          'E_OPTION',
          `cannot read the admin token file ${tokenFile}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    if (token === undefined || token === '') {
      throw new SiteportError(
        'E_OPTION',
        'no admin token: pass --token-file <data dir>/admin-token, --data <data dir>, or set SITEPORT_TOKEN',
      );
    }
    const caFile =
      options.caFile ?? (options.data === undefined ? undefined : path.join(options.data, 'pki', 'ca.pem'));
    const ca = caFile === undefined ? undefined : await fs.readFile(caFile, 'utf8').catch(() => undefined);
    return new AdminClient(base, token, ca);
  }

  get serverUrl(): string {
    return this.base.origin;
  }

  /** Calls the admin API; an error response becomes the SiteportError it carries. */
  request<T>(method: string, pathUnderApi: string, body?: unknown): Promise<T> {
    const url = new URL(`${ADMIN_PREFIX}${pathUnderApi}`, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }),
          },
          ...(this.ca === undefined ? {} : { ca: this.ca }),
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              reject(
                new SiteportError(
                  'E_PROTOCOL',
                  `${url.origin} did not answer with siteport JSON (HTTP ${res.statusCode ?? 0})`,
                ),
              );
              return;
            }
            if ((res.statusCode ?? 500) >= 400)
              reject(SiteportError.fromBody(parsed, `HTTP ${res.statusCode ?? 0} from ${url.origin}`));
            else resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
      req.on('error', (error) =>
        reject(
          new SiteportError(
            'E_SERVER_UNREACHABLE',
            `cannot reach the admin API at ${url.origin}: ${error.message}; is siteport server running? (--server URL)`,
            {
              cause: error,
            },
          ),
        ),
      );
      req.end(payload);
    });
  }
}

/** Adds the shared connection flags to an admin command. */
export function withConnectionOptions<T extends Command>(command: T): T {
  return command
    .option('--server <url>', 'admin API URL (or SITEPORT_SERVER)', undefined)
    .option('--token-file <file>', 'file with the admin bearer token (or SITEPORT_TOKEN)')
    .option('--data <dir>', "the server's data dir: reads its admin-token and CA")
    .option('--ca-file <file>', 'CA certificate to trust for an HTTPS admin API');
}

/**
 * A command to print as a next step: `siteport WORDS…` followed by the connection flags this
 * command was given (`--server`, `--data`, `--token-file`, `--ca-file`), every word shell-quoted,
 * so that the line works as printed.
 */
export function nextCommand(options: AdminConnectionOptions, ...words: readonly (string | number)[]): string {
  const flags: string[] = [];
  if (options.server !== undefined) flags.push('--server', options.server);
  if (options.data !== undefined) flags.push('--data', options.data);
  if (options.tokenFile !== undefined) flags.push('--token-file', options.tokenFile);
  if (options.caFile !== undefined) flags.push('--ca-file', options.caFile);
  return shellCommand('siteport', ...words, ...flags);
}
