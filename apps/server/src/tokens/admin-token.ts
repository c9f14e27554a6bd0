import { randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { readFileIfExists } from '../fs/index.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Reads `<dataDir>/admin-token`, creating it (mode 0600) on first start. */
async function loadAdminToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const existing = (await readFileIfExists(file))?.trim();
  if (existing !== undefined && existing.length >= 32) return existing;
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

/** Compares a presented bearer token in constant time. */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The bootstrap administrator token in `<dataDir>/admin-token` (decision 0094): full rights, audited
 * as `token:admin`. Rotating writes a new one to the file (atomically, 0600) and the old one stops
 * working at once.
 */
export class BootstrapToken {
  private constructor(
    readonly file: string,
    private value: string,
  ) {}

  static async load(dataDir: string): Promise<BootstrapToken> {
    return new BootstrapToken(path.join(dataDir, ADMIN_TOKEN_FILE), await loadAdminToken(dataDir));
  }

  matches(presented: string): boolean {
    return tokenMatches(this.value, presented);
  }

  /** Replaces the token: the file first, so a crash never leaves a server whose token nobody can read. */
  async rotate(): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    await writeFileAtomic(this.file, `${token}\n`, 0o600);
    this.value = token;
  }
}
