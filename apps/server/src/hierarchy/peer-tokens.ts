import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { readFileIfExists } from '../fs/index.js';

/** File in the data dir that holds the peer primaries' admin tokens (mode 0600, like admin-token). */
const PEER_TOKENS_FILE = 'peer-tokens.json';

/**
 * The admin tokens of peer primary sites. They are bearer secrets, so they stay out of the
 * database (which may be a shared PostgreSQL) and out of every API answer: one JSON file, mode
 * 0600, written atomically.
 */
export class PeerTokens {
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, PEER_TOKENS_FILE);
  }

  async get(siteCode: string): Promise<string | undefined> {
    return (await this.read())[siteCode];
  }

  set(siteCode: string, token: string | undefined): Promise<void> {
    this.writing = this.writing.then(async () => {
      const all = await this.read();
      if (token === undefined) delete all[siteCode];
      else all[siteCode] = token;
      await writeFileAtomic(this.file, `${JSON.stringify(all)}\n`, 0o600);
      await fs.chmod(this.file, 0o600);
    });
    return this.writing;
  }

  private async read(): Promise<Record<string, string>> {
    const text = await readFileIfExists(this.file);
    return text === undefined ? {} : (JSON.parse(text) as Record<string, string>);
  }
}
