import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { HashGate } from './hash-gate.js';

/**
 * scrypt cost parameters: N=2^15, r=8, p=1 (32 MiB per hash), below OWASP's N=2^17 to keep sign-in
 * bearable on small site servers. Measured on the shared 2-core development machine while the full
 * test suite ran: 0.52–1.53 s per verification (median 0.89 s, 10 runs) — see decision 0050.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 128 * N * R * 2;

/**
 * Every hash of this process passes one gate: the thread pool it runs on is per process (decision 0096).
 * A hash that finds the gate full fails at once with E_PASSWORD_BUSY.
 */
const PASSWORD_HASH_GATE = new HashGate();

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return PASSWORD_HASH_GATE.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(
          password.normalize('NFC'),
          salt,
          KEY_LENGTH,
          { N: n, r, p, maxmem: MAX_MEM * Math.max(1, n / N) },
          (error, key) => (error ? reject(error) : resolve(key)),
        ),
      ),
  );
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (salt and hash base64url), with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: verified against when the user does not exist, so timing does not tell. */
export const DUMMY_HASH_PROMISE: () => Promise<string> = (() => {
  let cached: Promise<string> | undefined;
  // A refused attempt (E_PASSWORD_BUSY) is not kept: the next caller tries again.
  return () =>
    (cached ??= hashPassword(randomBytes(16).toString('base64url')).catch((error: unknown) => {
      cached = undefined;
      throw error;
    }));
})();
