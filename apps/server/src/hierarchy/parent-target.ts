import { promises as fs } from 'node:fs';
import { SiteportError } from '@siteport/protocol';
import type { PeerTarget } from './peer-client.js';

/** How a secondary site server reaches its primary. */
export interface ParentOptions {
  /** Admin API origin of the primary, e.g. `http://10.0.0.5:8440`. */
  readonly url: string;
  /** File holding the primary's admin token (`--parent-token-file`). */
  readonly tokenFile: string;
  /** CA certificate of the primary's HTTPS admin API (`--parent-ca-file`). */
  readonly caFile: string | undefined;
  /** Seconds the primary may hold each sync long poll. @default 25 */
  readonly waitSeconds: number;
}

/**
 * Reads the primary's token (and CA) from the files `--parent-token-file`/`--parent-ca-file` name.
 * With a stored link token (`hasLinkToken`) the token file may be gone: the secondary needs it only
 * to attach (decision 0094); the token is then ''.
 */
export async function readParentTarget(parent: ParentOptions, hasLinkToken = false): Promise<PeerTarget> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return (await fs.readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new SiteportError('E_OPTION', `cannot read ${what} ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  const token = hasLinkToken
    ? await read(parent.tokenFile, '').catch(() => '')
    : await read(parent.tokenFile, "the primary's admin token file (--parent-token-file)");
  if (token === '' && !hasLinkToken)
    throw new SiteportError('E_OPTION', `the primary's admin token file ${parent.tokenFile} is empty`);
  const caCertificate =
    parent.caFile === undefined ? null : await read(parent.caFile, "the primary's CA file (--parent-ca-file)");
  return { url: parent.url, token, caCertificate };
}
