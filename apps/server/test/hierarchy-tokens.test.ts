import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ApplyAllResult, PortsView, TokenView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';

const REGISTRATION = { siteCode: 'S02', adminUrl: 'http://127.0.0.1:1', caFingerprint: 'AA:'.repeat(31) + 'AA' };

test("a secondary trades the primary's token for a link token that mirrors its primary's ports and can do nothing else there", async (t) => {
  const primary = await startTestServer(t);
  const secondary = await startTestServer(t, {
    bindHost: '127.0.0.2',
    siteCode: 'S01',
    parentUrl: primary.adminUrl,
    parentTokenFile: primary.server.info.adminTokenFile,
    parentWaitSeconds: 2,
  });
  const file = path.join(secondary.dataDir, 'parent-link-token');
  const link = await waitFor(
    'the secondary to store its link token',
    () => existsSync(file) && readFileSync(file, 'utf8').trim(),
  );
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.notEqual(link, primary.token);
  const issued = (await primary.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens;
  assert.deepEqual(
    issued.map((x) => [x.name, x.role, x.sites, x.state]),
    [['secondary-S01', 'secondary', ['PS1', 'S01'], 'active']],
  );

  assert.equal(
    (await primary.admin('GET', '/sites/PS1/ports', undefined, link)).status,
    200,
    'it may read what it mirrors',
  );
  const attacks: [string, string, unknown][] = [
    ['PATCH', '/sites/PS1/ports', { http: { default: 18099 } }],
    ['POST', '/sites/PS1/rollouts', { change: { http: { default: 18099 } } }],
    ['GET', '/sites/PS1/clients', undefined],
    ['GET', '/audit', undefined],
    ['GET', '/sites', undefined],
    ['POST', '/tokens', { name: 'escalate', role: 'administrator' }],
    ['POST', '/console/users', { user: 'mallory', role: 'administrator', password: 'a long enough password' }],
    ['POST', '/notify', { action: 'policy' }],
    ['POST', '/sites/PS1/secondaries', REGISTRATION],
    ['POST', '/sites/PS1/secondaries/S02/sync', { knownEtag: null, waitSeconds: 0 }],
    ['PATCH', '/hierarchy/ports', { wake: 9 }],
  ];
  for (const [method, p, body] of attacks) {
    const res = await primary.admin<any>(method, p, body, link);
    assert.equal(res.status, 403, `${method} ${p} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
  }
  assert.equal(
    (await primary.admin<PortsView>('GET', '/sites/PS1/ports')).body.version,
    1,
    "the primary's ports are untouched",
  );

  // With the primary's bootstrap token rotated, the secondary's token file is dead: it follows on its link token alone.
  await primary.admin('POST', '/tokens/bootstrap/rotate');
  const fresh = readFileSync(primary.server.info.adminTokenFile, 'utf8').trim();
  assert.equal((await primary.admin('PATCH', '/sites/PS1/ports', { wake: 9 }, fresh)).status, 200);
  await waitFor(
    'the secondary to mirror the change',
    async () => (await secondary.admin<PortsView>('GET', '/sites/S01/ports')).body.wake === 9,
  );
});

test("a peer primary keeps only a peer token of its peer, which changes the peer's ports and nothing else", async (t) => {
  const ps1 = await startTestServer(t);
  const ps2 = await startTestServer(t, { siteCode: 'PS2' });
  const added = await ps1.admin<any>('POST', '/hierarchy/primaries', { url: ps2.adminUrl, token: ps2.token });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const stored =
    (JSON.parse(readFileSync(path.join(ps1.dataDir, 'peer-tokens.json'), 'utf8')) as Record<string, string>).PS2 ?? '';
  assert.notEqual(stored, ps2.token, "PS1 does not keep PS2's bootstrap token");
  assert.match(stored, /^spt_/);
  const issued = (await ps2.admin<{ tokens: TokenView[] }>('GET', '/tokens')).body.tokens;
  assert.deepEqual(
    issued.map((x) => [x.name, x.role, x.sites]),
    [['peer-PS1', 'peer', ['PS2']]],
  );

  const attacks: [string, string, unknown][] = [
    ['GET', '/sites/PS2/clients', undefined],
    ['GET', '/audit', undefined],
    ['POST', '/tokens', { name: 'escalate', role: 'administrator' }],
    ['POST', '/console/users', { user: 'mallory', role: 'administrator', password: 'a long enough password' }],
    ['PATCH', '/sites/PS2/push/settings', { autoPush: true }],
    ['PUT', '/sites/PS2/directory', {}],
    ['POST', '/notify', { action: 'policy' }],
    ['POST', '/console/users/admin/password', { password: 'taken over by a peer' }],
    ['POST', '/hierarchy/primaries', { url: ps1.adminUrl, token: 'x' }],
  ];
  for (const [method, p, body] of attacks) {
    const res = await ps2.admin<any>(method, p, body, stored);
    assert.equal(res.status, 403, `${method} ${p} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
  }

  const all = await ps1.admin<ApplyAllResult>('PATCH', '/hierarchy/ports', { wake: 8 });
  assert.equal(all.body.succeeded, 2, JSON.stringify(all.body));
  assert.equal((await ps2.admin<PortsView>('GET', '/sites/PS2/ports')).body.wake, 8);
  const entry = (await ps2.admin<{ entries: { actor: string; action: string }[] }>('GET', '/audit?site=PS2')).body
    .entries[0];
  assert.deepEqual([entry?.action, entry?.actor], ['ports.change', 'token:peer-PS1']);
});
