// Registers simulated clients straight into a site database, for the notification fleet.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ClientsTable, databaseLocation, openDatabase } from '@siteport/db';
import { MAX_CLIENTS_PER_WORKER } from './fleet-plan.js';

/**
 * One simulated client as a fleet worker reads it: id and Ed25519 private key as JWK fields
 * (base64url `d` and `x`): importing a JWK costs a tenth of decoding PKCS#8 DER, which at
 * 150,000 clients is a minute of CPU.
 */
export interface FleetKey {
  id: string;
  d: string;
  x: string;
}

/**
 * Registers `count` simulated clients at `siteCode` in one transaction (a real Ed25519 key each,
 * instead of `count` signed registrations) and writes their private keys to files of at most
 * `perFile` keys in `dir`, one file per fleet worker. The servers must not be running for SQLite;
 * `dbUrl` (`postgres://…`) seeds a shared database; `alsoInto` names more SQLite data dirs that get
 * the same clients (two sites measured side by side with one set of keys).
 */
export async function seedClients(
  dir: string,
  count: number,
  siteCode: string,
  options: { perFile?: number; dbUrl?: string; idPrefix?: string; alsoInto?: readonly string[] } = {},
): Promise<string[]> {
  const perFile = options.perFile ?? 2500;
  if (!Number.isInteger(perFile) || perFile < 1 || perFile > MAX_CLIENTS_PER_WORKER)
    throw new Error(`perFile must be 1–${MAX_CLIENTS_PER_WORKER}, got ${perFile}`);
  const prefix = options.idPrefix ?? 'bench';
  const files: string[] = [];
  const rows: ClientsTable[] = [];
  const keys: FleetKey[] = [];
  for (let i = 0; i < count; i += 1) {
    const pair = generateKeyPairSync('ed25519');
    const der = pair.publicKey.export({ type: 'spki', format: 'der' });
    const id = `${prefix}-${i.toString().padStart(6, '0')}`;
    rows.push({
      id,
      site_code: siteCode,
      hostname: `${prefix}-${i}`,
      public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      key_fingerprint: createHash('sha256').update(der).digest('hex'),
      category: 'workgroup',
      agent_version: 'bench',
      registered_at: new Date().toISOString(),
      last_contact_at: null,
      last_port: null,
      last_protocol: null,
      last_address: null,
      settings_version: 0,
      agent_state: 'running',
      state_dir: null,
      status: 'active',
      status_changed_at: null,
    });
    // The JWK fields from the DER encodings (RFC 8410: the key bytes end both): Node 20 here hangs
    // in a futex wait after some thousands of `export({ format: 'jwk' })` calls on Ed25519 keys.
    const seed = pair.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
    keys.push({ id, d: seed.toString('base64url'), x: der.subarray(-32).toString('base64url') });
  }
  for (const location of [
    databaseLocation(dir, options.dbUrl),
    ...(options.alsoInto ?? []).map((d) => databaseLocation(d, undefined)),
  ]) {
    const db = await openDatabase(location);
    try {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 500)
          await trx
            .insertInto('clients')
            .values(rows.slice(i, i + 500))
            .execute();
      });
    } finally {
      await db.destroy();
    }
  }
  for (let i = 0; i < keys.length; i += perFile) {
    const file = path.join(dir, `${prefix}-keys-${files.length}.json`);
    writeFileSync(file, JSON.stringify(keys.slice(i, i + perFile)));
    files.push(file);
  }
  return files;
}
