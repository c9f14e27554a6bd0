import { randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Reads `<dataDir>/admin-token`, creating it (mode 0600) on first start. */
export async function loadAdminToken(dataDir: string): Promise<string> {
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
