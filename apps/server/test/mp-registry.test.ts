import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { openDatabase } from '@siteport/db';
import { MpRegistry } from '../src/cluster/mp-registry.js';
import { ManagementPointRepository } from '../src/cluster/management-point-repository.js';
import { SiteRepository } from '../src/site/site-repository.js';
import { defaultPortSettings } from '@siteport/protocol';
import { tempDir } from '../../../test-support/temp-dir.js';
import { waitFor } from '../../../test-support/wait-for.js';

const logger = pino({ level: 'silent' });

test('the MP registry lists each process as running while it heartbeats, stopped after a graceful stop, dead when it went silent', async (t) => {
  const db = await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') });
  t.after(() => db.destroy());
  const now = new Date().toISOString();
  await new SiteRepository(db).create(
    {
      code: 'PS1',
      name: 'Site PS1',
      kind: 'primary',
      parentCode: null,
      policyIntervalSeconds: 60,
      activeWindowSeconds: 180,
      createdAt: now,
    },
    { settings: defaultPortSettings(), communicationMode: 'https-or-http', updatedAt: now, updatedBy: 'test' },
  );
  const repo = new ManagementPointRepository(db);
  const timing = { heartbeatMs: 50, staleAfterMs: 300 };
  const changes: string[][] = [];
  const entry = (host: string, role: 'site' | 'mp') =>
    new MpRegistry({
      repo,
      siteCode: 'PS1',
      host,
      bindAddress: host,
      role,
      timing,
      logger,
      onHostsChanged: (hosts) => changes.push([...hosts]),
    });
  const site = entry('site.example', 'site');
  const mp2 = entry('mp2.example', 'mp');
  const mp3 = entry('mp3.example', 'mp');
  for (const r of [site, mp2, mp3]) {
    await r.start();
    // Distinct start times: the registry orders by them.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.after(() => Promise.all([site.stop(), mp2.stop(), mp3.stop()]));
  // A process killed earlier: registered, never marked stopped, silent for a minute.
  const old = new Date(Date.now() - 60_000).toISOString();
  await repo.insert({
    id: 'killed',
    siteCode: 'PS1',
    host: 'mp4.example',
    bindAddress: '::',
    role: 'mp',
    startedAt: old,
    lastSeenAt: old,
    state: 'running',
  });

  await waitFor('every entry sees all three', () => site.hosts().length === 3 && mp2.hosts().length === 3);
  assert.deepEqual(
    site.hosts(),
    ['site.example', 'mp2.example', 'mp3.example'],
    'the site server first, then by start',
  );
  assert.deepEqual(
    mp3
      .others()
      .map((o) => o.host)
      .sort(),
    ['mp2.example', 'site.example'],
  );

  await mp2.stop();
  await waitFor(
    'the site server no longer announces the stopped MP',
    () => !site.hosts().includes('mp2.example'),
    5000,
  );
  const list = await site.list('PS1');
  assert.deepEqual(list.managementPoints.map((m) => [m.host, m.state]).sort(), [
    ['mp2.example', 'stopped'],
    ['mp3.example', 'running'],
    ['mp4.example', 'dead'],
    ['site.example', 'running'],
  ]);
  assert.equal(list.staleAfterSeconds, 0.3);
  assert.deepEqual(changes.at(-1), ['site.example', 'mp3.example'], 'policy learns the MP list changed');
});
