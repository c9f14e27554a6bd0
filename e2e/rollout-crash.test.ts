import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ClientList, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { freePort, connects as listening } from '../test-support/ports.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

/** A `siteport server` process that can be killed with SIGKILL and started again on the same data dir. */
class ServerProcess {
  private current: ReturnType<typeof startCli> | undefined;
  adminUrl = '';
  token = '';

  constructor(private readonly dataDir: string) {}

  /** A long active window: no rollout ends within 20 s of a (re)start, so each state is still there to crash in, however loaded the machine. */
  async start(env: NodeJS.ProcessEnv = {}): Promise<void> {
    this.current = startCli(
      [
        'server',
        '--data',
        this.dataDir,
        ...LOOPBACK_PORT_FLAGS,
        '--policy-interval',
        '1',
        '--active-window',
        '20',
        '--log-level',
        'warn',
      ],
      /client communication mode/,
      { env },
    );
    const banner = await this.current.started;
    this.adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!;
    const { readFile } = await import('node:fs/promises');
    this.token = (await readFile(`${this.dataDir}/admin-token`, 'utf8')).trim();
  }

  /** Resolves when the process exits by itself (e.g. killed by a preloaded hook), with its signal. */
  exited(): Promise<NodeJS.Signals | null> {
    const child = this.current!.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
    return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  }

  kill9(): Promise<void> {
    const child = this.current!.child;
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  stop(): void {
    this.current?.child.kill('SIGTERM');
  }

  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  }
}

test('kill -9 of the server in every rollout state, then a restart: the rollout continues or rolls back and no client is stranded', async (t) => {
  const server = new ServerProcess(tempDir(t));
  t.after(() => server.stop());
  await server.start();
  const initial = await server.api<PortsView>('GET', '/sites/PS1/ports');
  const fleet = createFleet(t, {
    count: 4,
    ports: initial,
    caFingerprint: (await server.api<{ caFingerprint: string }>('GET', '/sites/PS1')).caFingerprint,
    httpOnly: (i) => i === 3,
  });
  await Promise.all(fleet.map((a) => a.start()));
  const allOn = (ports: PortsView): boolean =>
    fleet.every((a) => {
      const last = a.status().lastContact;
      return (
        last !== null &&
        last.port === (last.protocol === 'http' ? ports.http.default : ports.https.default) &&
        a.status().settingsVersion === ports.version
      );
    });
  await waitFor('fleet checked in', () => allOn(initial), 30_000);

  for (const crashIn of ['validated', 'preflight', 'overlapping', 'rolling-back'] as const) {
    const before = await server.api<PortsView>('GET', '/sites/PS1/ports');
    const change = { http: { default: await freePort() }, https: { default: await freePort() } };
    const proposed = await server.api<RolloutView>('POST', '/sites/PS1/rollouts', {
      change,
      preflight: crashIn === 'preflight',
    });
    if (crashIn === 'overlapping' || crashIn === 'rolling-back')
      await server.api('POST', `/rollouts/${proposed.id}/commit`);
    if (crashIn === 'rolling-back') {
      await waitFor(
        'some clients moved',
        () =>
          fleet.some(
            (a) =>
              a.status().lastContact?.port === change.http.default ||
              a.status().lastContact?.port === change.https.default,
          ),
        20_000,
      );
      await server.api('POST', `/rollouts/${proposed.id}/rollback`);
    }
    assert.equal((await server.api<RolloutView>('GET', `/rollouts/${proposed.id}`)).state, crashIn);

    await server.kill9();
    await server.start();
    const resumed = await server.api<RolloutView>('GET', `/rollouts/${proposed.id}`);
    assert.equal(resumed.state, crashIn, `the ${crashIn} rollout survived kill -9`);
    if (crashIn === 'overlapping' || crashIn === 'rolling-back') {
      assert.ok(
        await listening(before.http.default),
        `${crashIn}: the old HTTP port is served again after the restart`,
      );
      assert.ok(
        await listening(change.http.default),
        `${crashIn}: the new HTTP port is served again after the restart`,
      );
    }
    if (crashIn === 'preflight') assert.ok(await listening(change.http.default), 'the probe listener is back');

    if (crashIn === 'validated' || crashIn === 'preflight') await server.api('POST', `/rollouts/${proposed.id}/commit`);
    const ended = await waitFor(
      `${crashIn}: rollout ended`,
      async () => {
        const r = await server.api<RolloutView>('GET', `/rollouts/${proposed.id}`);
        return r.state === 'finalized' || r.state === 'rolled-back' ? r : undefined;
      },
      60_000,
    );
    assert.equal(ended.state, crashIn === 'rolling-back' ? 'rolled-back' : 'finalized');
    assert.deepEqual(ended.outcome?.stranded, [], `${crashIn}: nobody stranded`);
    const now = await server.api<PortsView>('GET', '/sites/PS1/ports');
    await waitFor(`${crashIn}: every agent on the final ports`, () => allOn(now), 20_000);
    const clients = await server.api<ClientList>('GET', '/sites/PS1/clients');
    assert.ok(
      clients.clients.every((c) => c.managed === 'managed' && c.activity === 'active'),
      JSON.stringify(clients.clients),
    );
  }
});

test('kill -9 right after the first write of a port move leaves the whole move or none of it: no validated rollout is left behind', async (t) => {
  const server = new ServerProcess(tempDir(t));
  t.after(() => server.stop());
  await server.start();
  const before = await server.api<PortsView>('GET', '/sites/PS1/ports');

  // The next server dies by SIGKILL the moment a rollout changes state for the first time.
  await server.kill9();
  await server.start({
    NODE_OPTIONS: `--import ${fileURLToPath(new URL('../test-support/kill-at-first-rollout-state.mjs', import.meta.url))}`,
  });
  const killed = server.exited();
  const change = { http: { default: await freePort() } };
  await server.api('PATCH', '/sites/PS1/ports', change).catch(() => undefined);
  assert.equal(await killed, 'SIGKILL', 'the server was killed inside the port move');

  await server.start();
  const ports = await server.api<PortsView>('GET', '/sites/PS1/ports');
  const { rollouts } = await server.api<{ rollouts: RolloutView[] }>('GET', '/sites/PS1/rollouts');
  assert.deepEqual(
    rollouts.filter((r) => r.state === 'validated').map((r) => r.id),
    [],
    'no half-made rollout is left in validated',
  );
  const audit = await server.api<{ entries: { action: string; newValue: { rolloutId?: string } | null }[] }>(
    'GET',
    '/audit?site=PS1',
  );
  if (rollouts.length === 0) {
    assert.equal(ports.version, before.version, 'nothing of the move was stored');
  } else {
    const [moved] = rollouts;
    assert.equal(rollouts.length, 1);
    assert.equal(moved!.state, 'overlapping');
    assert.equal(moved!.newVersion, ports.version, 'the rollout names the stored version');
    assert.equal(ports.http.default, change.http.default);
    assert.ok(
      audit.entries.some((e) => e.action === 'ports.rollout.commit' && e.newValue?.rolloutId === moved!.id),
      'the audit entry was stored with it',
    );
  }
  // And the site takes the next change: nothing blocks it.
  const next = await server.api<{ rolloutId: string | null }>('PATCH', '/sites/PS1/ports', { wake: 9 });
  assert.equal(next.rolloutId, null);
});
