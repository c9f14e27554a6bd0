import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Secret, SiteportError } from '@siteport/protocol';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { readFileIfExists } from '../fs/index.js';

/** Name of the key file in the data dir (32 random bytes, base64, mode 0600); it seals push credentials and the directory bind password. */
export const PUSH_KEY_FILE = 'push-secret.key';

const PREFIX = 'v1';

/** pino redaction paths of the push logger: credentials are never logged, even by mistake. */
export const PUSH_REDACT = [
  'privateKey',
  'password',
  'secret',
  '*.privateKey',
  '*.password',
  '*.secret',
  'secret.value',
];

/**
 * Encrypts secrets at rest (push credentials, the directory bind password) with AES-256-GCM. The
 * key lives in `<data>/push-secret.key` (mode 0600), created on first use; the database holds only
 * `v1:<iv>:<tag>:<ciphertext>` (base64), bound to what it protects (site or host id) as additional
 * authenticated data, so a ciphertext copied onto another row does not decrypt.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key file from the data dir, creating it (0600) when absent. */
  static async open(dataDir: string): Promise<SecretBox> {
    const file = path.join(dataDir, PUSH_KEY_FILE);
    let text = await readFileIfExists(file);
    if (text === undefined) {
      await writeFileAtomic(file, `${randomBytes(32).toString('base64')}\n`, 0o600);
      text = await fs.readFile(file, 'utf8');
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) {
      throw new SiteportError(
        'E_SECRET_STORE',
        `${file} does not hold a 32-byte base64 key; restore it from backup (stored push credentials and the directory bind password need it) or remove it and set those secrets again`,
      );
    }
    return new SecretBox(key);
  }

  encrypt(secret: Secret, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(secret.reveal(), 'utf8'), cipher.final()]);
    return [PREFIX, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  decrypt(sealed: string, context: string): Secret {
    const [prefix, iv, tag, data] = sealed.split(':');
    if (prefix !== PREFIX || iv === undefined || tag === undefined || data === undefined) {
      throw new SiteportError(
        'E_SECRET_STORE',
        `a stored secret (${context}) is not in the expected format; set it again`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return new Secret(
        Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8'),
      );
    } catch (error) {
      throw new SiteportError(
        'E_SECRET_STORE',
        `a stored secret (${context}) does not decrypt with ${PUSH_KEY_FILE}; the key file was replaced — set that secret again`,
        { cause: error },
      );
    }
  }
}
