// UpgradeService on both dialects: a package is registered only with the site's release key, an
// upgrade offers its version to the canary wave, then the rest, halts at the failure threshold,
// resumes, and rolls back with revert offers; every change leaves an audit record.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Kysely, type SiteDatabase, openDatabase } from '@siteport/db';
import { AuditRepository } from '../src/site/index.js';
import { UpgradeService, signAgentPackage } from '../src/upgrade/index.js';
import { requirePostgres, sharedPostgresDatabase } from '../../../test-support/postgres.js';
import { insertPrimarySite } from '../../../test-support/primary-site.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const DIALECTS = ['sqlite', 'postgres'] as const;
const ACTOR = 'user:admin';

function keyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

async function site(
  t: TestContext,
  dialect: (typeof DIALECTS)[number],
  clients: number,
): Promise<Kysely<SiteDatabase> | undefined> {
  if (dialect === 'postgres' && !requirePostgres(t)) return undefined;
  const db =
    dialect === 'sqlite'
      ? await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') })
      : await openDatabase({ kind: 'postgres', url: await sharedPostgresDatabase() });
  t.after(() => db.destroy());
  await insertPrimarySite(db);
  for (let i = 0; i < clients; i += 1)
    await db
      .insertInto('clients')
      .values({
        id: `c-${String(i).padStart(3, '0')}`,
        site_code: 'PS1',
        hostname: `host-${i}`,
        public_key: 'pem',
        key_fingerprint: `fp-${i}`,
        category: 'workgroup',
        agent_version: '0.1.0',
        registered_at: new Date().toISOString(),
        last_contact_at: null,
        last_port: null,
        last_protocol: null,
        last_address: null,
        settings_version: 1,
        agent_state: 'running',
        state_dir: null,
        status: 'active',
        status_changed_at: null,
      })
      .execute();
  return db;
}

for (const dialect of DIALECTS) {
  test(`${dialect}: a package is registered only when the site's release key signed it and its version is valid`, async (t) => {
    const db = await site(t, dialect, 0);
    if (db === undefined) return;
    const service = new UpgradeService({ db, audit: new AuditRepository(db) });
    const release = keyPair();
    const data = Buffer.from('bundle');
    await assert.rejects(
      service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR),
      {
        code: 'E_RELEASE_KEY',
      },
    );
    await assert.rejects(service.setReleaseKey('PS1', 'not a key', ACTOR), { code: 'E_RELEASE_KEY' });
    await service.setReleaseKey('PS1', release.publicPem, ACTOR);
    await assert.rejects(
      service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', keyPair().privatePem), ACTOR),
      {
        code: 'E_UPGRADE_PACKAGE',
      },
    );
    await assert.rejects(
      service.registerPackage('PS1', Buffer.from('bundlE'), signAgentPackage(data, '0.2.0', release.privatePem), ACTOR),
      {
        code: 'E_UPGRADE_PACKAGE',
      },
    );
    await assert.rejects(
      service.registerPackage(
        'PS1',
        data,
        { ...signAgentPackage(data, '0.2.0', release.privatePem), version: '0.2' },
        ACTOR,
      ),
      { code: 'E_UPGRADE_PACKAGE' },
    );
    const pkg = await service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR);
    assert.equal(pkg.version, '0.2.0');
    await assert.rejects(
      service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR),
      {
        code: 'E_UPGRADE_EXISTS',
      },
    );
    const audit = await new AuditRepository(db).list({ siteCode: 'PS1', limit: 10 });
    assert.deepEqual(audit.map((a) => a.action).reverse(), ['upgrade.release-key', 'upgrade.package']);
  });

  test(`${dialect}: canary first, then the rest after the administrator advances; halts at the threshold, resumes, rolls back`, async (t) => {
    const db = await site(t, dialect, 20);
    if (db === undefined) return;
    const changed: string[] = [];
    const service = new UpgradeService({ db, audit: new AuditRepository(db), onChanged: (code) => changed.push(code) });
    const release = keyPair();
    await service.setReleaseKey('PS1', release.publicPem, ACTOR);
    const data = Buffer.alloc(700 * 1024, 7);
    await service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR);
    const started = await service.start(
      'PS1',
      { version: '0.2.0', canaryPercent: 10, failureThresholdPercent: 20 },
      ACTOR,
    );
    assert.equal(started.upgrade.state, 'canary');
    assert.equal(started.waves.canary.selected, 2);
    assert.equal(started.waves.rest.selected, 18);
    await assert.rejects(service.start('PS1', { version: '0.2.0' }, ACTOR), { code: 'E_UPGRADE_ACTIVE' });
    const id = started.upgrade.id;
    assert.deepEqual(await service.announced('PS1'), { id });

    const offers = new Map<string, boolean>();
    for (let i = 0; i < 20; i += 1) {
      const clientId = `c-${String(i).padStart(3, '0')}`;
      offers.set(clientId, (await service.offerFor('PS1', clientId)) !== null);
    }
    const canary = [...offers].filter(([, offered]) => offered).map(([clientId]) => clientId);
    assert.equal(canary.length, 2);
    const rest = [...offers.keys()].filter((c) => !canary.includes(c));

    const offer = await service.offerFor('PS1', canary[0] ?? '');
    assert.equal(offer?.parts, 2, 'a 700 KiB package comes in two parts');
    const part0 = await service.packagePart('PS1', canary[0] ?? '', '0.2.0', 0);
    const part1 = await service.packagePart('PS1', canary[0] ?? '', '0.2.0', 1);
    assert.ok(part0.signature !== undefined && part1.signature === undefined);
    assert.deepEqual(Buffer.concat([Buffer.from(part0.data, 'base64'), Buffer.from(part1.data, 'base64')]), data);
    await assert.rejects(service.packagePart('PS1', rest[0] ?? '', '0.2.0', 0), { code: 'E_UPGRADE_NOT_FOUND' });
    await assert.rejects(service.packagePart('PS1', canary[0] ?? '', '0.2.0', 2), { code: 'E_UPGRADE_NOT_FOUND' });

    // A report from a client that was not offered the version changes nothing.
    await service.report('PS1', rest[0] ?? '', {
      upgradeId: id,
      version: '0.2.0',
      outcome: 'failed',
      runningVersion: '0.1.0',
    });
    for (const clientId of canary)
      await service.report('PS1', clientId, {
        upgradeId: id,
        version: '0.2.0',
        outcome: 'upgraded',
        runningVersion: '0.2.0',
      });
    let progress = await service.progress(id);
    assert.equal(progress.upgrade.state, 'waiting');
    assert.equal(progress.waves.canary.upgraded, 2);
    assert.equal(await service.offerFor('PS1', rest[0] ?? ''), null, 'the rest waits for the administrator');

    progress = await service.advance(id, ACTOR);
    assert.equal(progress.upgrade.state, 'rest');
    for (const clientId of rest) assert.notEqual(await service.offerFor('PS1', clientId), null);
    // 2 upgraded of 20 offered; 4 rolled back is 20 % (not past it), the fifth passes it.
    for (const clientId of rest.slice(0, 5)) {
      progress = await service.progress(id);
      assert.equal(progress.upgrade.state, 'rest');
      await service.report('PS1', clientId, {
        upgradeId: id,
        version: '0.2.0',
        outcome: 'rolled-back',
        runningVersion: '0.1.0',
        detail: 'no MP contact',
      });
    }
    progress = await service.progress(id);
    assert.equal(progress.upgrade.state, 'halted');
    assert.match(progress.upgrade.reason ?? '', /failure rate 25 % passed the threshold of 20 %/);
    assert.equal(progress.waves.rest.rolledBack, 5);
    assert.equal(await service.offerFor('PS1', rest[10] ?? ''), null, 'a halted upgrade offers nobody');

    progress = await service.resume(id, ACTOR);
    assert.equal(progress.upgrade.state, 'rest');
    progress = await service.rollBack(id, ACTOR);
    assert.equal(progress.upgrade.state, 'rolled-back');
    const revert = await service.offerFor('PS1', canary[0] ?? '');
    assert.equal(revert?.action, 'revert');
    assert.equal(
      await service.offerFor('PS1', rest[10] ?? ''),
      null,
      'a client that never upgraded has nothing to revert',
    );
    await service.report('PS1', canary[0] ?? '', {
      upgradeId: id,
      version: '0.2.0',
      outcome: 'reverted',
      runningVersion: '0.1.0',
    });
    assert.equal(await service.offerFor('PS1', canary[0] ?? ''), null);
    await assert.rejects(service.advance(id, ACTOR), { code: 'E_UPGRADE_STATE' });

    const actions = (await new AuditRepository(db).list({ siteCode: 'PS1', limit: 20 }))
      .map((a) => `${a.action}:${a.actor}`)
      .reverse();
    assert.deepEqual(actions, [
      'upgrade.release-key:user:admin',
      'upgrade.package:user:admin',
      'upgrade.start:user:admin',
      'upgrade.canary-done:system',
      'upgrade.advance:user:admin',
      'upgrade.halt:system',
      'upgrade.resume:user:admin',
      'upgrade.roll-back:user:admin',
    ]);
    assert.ok(changed.length >= 5);
    const versions = await db.selectFrom('clients').select(['id', 'agent_version']).where('id', 'in', canary).execute();
    assert.deepEqual(versions.map((v) => v.agent_version).sort(), ['0.1.0', '0.2.0']);
  });

  test(`${dialect}: an auto-advancing upgrade goes on to the rest and completes; clients already on the version or newer are left out`, async (t) => {
    const db = await site(t, dialect, 6);
    if (db === undefined) return;
    await db.updateTable('clients').set({ agent_version: '0.3.0' }).where('id', '=', 'c-005').execute();
    const service = new UpgradeService({ db, audit: new AuditRepository(db) });
    const release = keyPair();
    await service.setReleaseKey('PS1', release.publicPem, ACTOR);
    const data = Buffer.from('bundle');
    await service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR);
    const { upgrade } = await service.start('PS1', { version: '0.2.0', canaryPercent: 20, autoAdvance: true }, ACTOR);
    assert.equal(await service.offerFor('PS1', 'c-005'), null, 'no downgrade unless asked for');
    // Asks every client first, then reports: reporting in the same pass would let the clients after
    // the canary see the rest wave the last canary report opened, depending on which ids are canary.
    const report = async (): Promise<void> => {
      const offered: string[] = [];
      for (let i = 0; i < 5; i += 1) if ((await service.offerFor('PS1', `c-00${i}`)) !== null) offered.push(`c-00${i}`);
      for (const clientId of offered) {
        await service.report('PS1', clientId, {
          upgradeId: upgrade.id,
          version: '0.2.0',
          outcome: 'upgraded',
          runningVersion: '0.2.0',
        });
      }
    };
    await report();
    assert.equal((await service.progress(upgrade.id)).upgrade.state, 'rest');
    await report();
    const done = await service.progress(upgrade.id);
    assert.equal(done.upgrade.state, 'complete');
    assert.equal(done.waves.canary.selected + done.waves.rest.selected, 5);
  });
}

for (const dialect of DIALECTS) {
  test(`${dialect}: a client that asks for every part of a package makes the site read each byte once, not the whole package per part`, async (t) => {
    const db = await site(t, dialect, 1);
    if (db === undefined) return;
    // Counts the text the database hands back, to see what one part request costs the site.
    let read = 0;
    const counted = db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        for (const row of args.result.rows)
          for (const value of Object.values(row as Record<string, unknown>))
            if (typeof value === 'string') read += value.length;
        return Promise.resolve(args.result);
      },
    });
    const service = new UpgradeService({ db: counted, audit: new AuditRepository(counted) });
    const release = keyPair();
    await service.setReleaseKey('PS1', release.publicPem, ACTOR);
    const data = Buffer.from(Array.from({ length: 6 * 512 * 1024 + 1001 }, (_, i) => (i * 7919) % 251));
    await service.registerPackage('PS1', data, signAgentPackage(data, '0.2.0', release.privatePem), ACTOR);
    await service.start('PS1', { version: '0.2.0', canaryPercent: 100 }, ACTOR);
    const offer = await service.offerFor('PS1', 'c-000');
    assert.equal(offer?.parts, 7);
    read = 0;
    const parts: Buffer[] = [];
    for (let part = 0; part < 7; part += 1)
      parts.push(Buffer.from((await service.packagePart('PS1', 'c-000', '0.2.0', part)).data, 'base64'));
    assert.ok(Buffer.concat(parts).equals(data), 'the parts join to the package');
    const whole = Math.ceil(data.length / 3) * 4;
    assert.ok(read < whole * 1.5, `the seven parts read ${read} characters; the package is ${whole} in base64`);
  });
}
