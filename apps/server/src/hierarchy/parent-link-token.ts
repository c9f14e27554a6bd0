import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { readFileIfExists } from '../fs/index.js';

/** File in a secondary's data dir that holds the link token its primary issued (mode 0600). */
const PARENT_LINK_TOKEN_FILE = 'parent-link-token';

/**
 * The `secondary` API token a primary issues to a secondary that registered with a broader
 * credential (decision 0094). The secondary uses it for every later call, so the token in
 * `--parent-token-file` is needed only to attach.
 */
export class ParentLinkToken {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, PARENT_LINK_TOKEN_FILE);
  }

  async load(): Promise<string | undefined> {
    const text = (await readFileIfExists(this.file))?.trim();
    return text === undefined || text === '' ? undefined : text;
  }

  save(token: string): Promise<void> {
    return writeFileAtomic(this.file, `${token}\n`, 0o600);
  }

  async clear(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}
