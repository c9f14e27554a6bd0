import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { StateStore, readClientStatus } from '@siteport/agent';
import type { ClientList } from '@siteport/protocol';
import { errorOf, installAndRun, registrationSite, stateOf } from '../test-support/registration-site.js';
import { runCli } from '../test-support/run-cli.js';
import { waitFor } from '../test-support/wait-for.js';

test('in token mode registration without a token, with a wrong, expired, revoked or used-up one is refused, and with a right one a real agent set up through the CLI registers', async (t) => {
  const { s, ports, cli } = await registrationSite(t);
  await cli('registration', 'set', 'token');
  const right = JSON.parse(
    await cli('registration', 'token', 'create', '--uses', '1', '--expires', '1h', '--label', 'lab-1', '--json'),
  ) as { token: string; view: { id: string; siteCode: string | null } };
  assert.match(right.token, /^sprt_[A-Za-z0-9_-]{43}$/);
  assert.equal(right.view.siteCode, 'PS1');
  const expired = JSON.parse(await cli('registration', 'token', 'create', '--expires', '60', '--json')) as {
    token: string;
    view: { id: string };
  };
  await s.server.db
    .updateTable('registration_tokens')
    .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', expired.view.id)
    .execute();
  const human = await cli('registration', 'token', 'create', '--any-site', '--label', 'to revoke');
  const [revokedToken = '', line = ''] = human.split('\n');
  const revokedId =
    /registration token (\S+): 1 use\(s\), expires .+, valid at every site of this database/.exec(line)?.[1] ?? '';
  assert.ok(revokedId !== '', human);
  assert.match(await cli('registration', 'token', 'revoke', revokedId), /is revoked \(used 0 of 1\)/);

  const wrong = `sprt_${randomBytes(32).toString('base64url')}`;
  const cases = {
    none: await installAndRun(t, s, ports, 'none'),
    wrong: await installAndRun(t, s, ports, 'wrong', [`SMSREGTOKEN=${wrong}`]),
    expired: await installAndRun(t, s, ports, 'expired', [`SMSREGTOKEN=${expired.token}`]),
    revoked: await installAndRun(t, s, ports, 'revoked', [`SMSREGTOKEN=${revokedToken}`]),
    right: await installAndRun(t, s, ports, 'right', [`SMSREGTOKEN=${right.token}`]),
  };
  assert.match(cases.right.setup.stdout, /registration token: set/);
  assert.doesNotMatch(cases.right.setup.stdout, new RegExp(right.token), 'setup does not print the secret');
  await waitFor('the agent with the right token runs', stateOf(cases.right.stateDir, 'running'), 30_000);
  assert.equal(
    new StateStore(cases.right.stateDir).readConfig().registrationToken,
    null,
    'the spent token is removed from client.json',
  );
  await waitFor(
    'every other agent is refused',
    () => {
      const codes = [
        errorOf(cases.none.stateDir),
        errorOf(cases.wrong.stateDir),
        errorOf(cases.expired.stateDir),
        errorOf(cases.revoked.stateDir),
      ];
      return codes.every((c) => c !== undefined) ? codes : undefined;
    },
    30_000,
  ).then((codes) =>
    assert.deepEqual(codes, [
      'E_REGISTRATION_TOKEN_REQUIRED',
      'E_REGISTRATION_TOKEN',
      'E_REGISTRATION_TOKEN',
      'E_REGISTRATION_TOKEN',
    ]),
  );
  assert.match(readClientStatus(cases.expired.stateDir).lastError?.message ?? '', /has expired/);
  assert.match(readClientStatus(cases.revoked.stateDir).lastError?.message ?? '', /was revoked/);

  const usedUp = await installAndRun(t, s, ports, 'used-up', [`SMSREGTOKEN=${right.token}`]);
  await waitFor('the used-up token is refused', () => errorOf(usedUp.stateDir) === 'E_REGISTRATION_TOKEN', 30_000);
  assert.match(readClientStatus(usedUp.stateDir).lastError?.message ?? '', /is used up/);

  const clients = (JSON.parse(await cli('clients', 'list', '--json')) as ClientList).clients;
  assert.deepEqual(
    clients.map((c) => [c.hostname !== '', c.status]),
    [[true, 'active']],
    'only the agent with the right token became a client',
  );
  const tokens = JSON.parse(await cli('registration', 'token', 'list', '--json')) as {
    tokens: { id: string; state: string; uses: number }[];
  };
  const byId = new Map(tokens.tokens.map((tk) => [tk.id, tk]));
  assert.deepEqual([byId.get(right.view.id)?.state, byId.get(right.view.id)?.uses], ['used-up', 1]);
  assert.equal(byId.get(expired.view.id)?.state, 'expired');
  assert.equal(byId.get(revokedId)?.state, 'revoked');
  assert.match(await cli('registration', 'token', 'list'), /ID +STATE +USES +EXPIRES +SITE +LABEL/);
  assert.match(await cli('registration', 'show', '--json'), /"mode": "token"/);
  const bad = await runCli(['registration', 'token', 'create', '--expires', '10s', '--server', s.adminUrl]);
  assert.equal(bad.code, 2, 'a lifetime under a minute is bad usage');
});
