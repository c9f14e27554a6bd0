import { promises as fs } from 'node:fs';
import { SiteportError } from '@siteport/protocol';
import type { ParentOptions } from '../server-options.js';
import type { PeerTarget } from './peer-client.js';

/** Reads the primary's admin token (and CA) from the files `--parent-token-file`/`--parent-ca-file` name. */
export async function readParentTarget(parent: ParentOptions): Promise<PeerTarget> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return (await fs.readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new SiteportError('E_OPTION', `cannot read ${what} ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  const token = await read(parent.tokenFile, "the primary's admin token file (--parent-token-file)");
  if (token === '') throw new SiteportError('E_OPTION', `the primary's admin token file ${parent.tokenFile} is empty`);
  const caCertificate = parent.caFile === undefined ? null : await read(parent.caFile, "the primary's CA file (--parent-ca-file)");
  return { url: parent.url, token, caCertificate };
}
