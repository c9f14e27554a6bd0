import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { AGENT_VERSION, readClientStatus } from '@siteport/agent';
import { buildAgentSea } from '@siteport/agent/bundle/sea';
import type { ClientList, PortsView } from '@siteport/protocol';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

test(
  'the single-executable agent runs with no Node.js or node_modules, registers with a real site server and checks in',
  { timeout: 180_000 },
  async (t) => {
    const out = tempDir(t, 'siteport-sea-');
    const sea = await buildAgentSea({ outDir: out });
    // A SEA loads only Node.js built-ins: the CommonJS script inside must bundle everything else.
    const script = readFileSync(sea.script, 'utf8');
    const required = [...script.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] ?? '');
    assert.ok(required.length > 0);
    assert.deepEqual(
      required.filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)),
      [],
      'every require() in the executable is a Node.js built-in (no package, file or native addon)',
    );

    // An empty environment and a working directory with no node_modules: nothing to fall back on.
    const env = { PATH: '/usr/bin:/bin', HOME: out };
    const version = spawnSync(sea.file, ['--version'], { cwd: out, env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), AGENT_VERSION);
    assert.equal(version.stderr, '', 'no experimental-feature warning');

    const s = await startTestServer(t, { policyIntervalSeconds: 1 });
    const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
    const state = path.join(out, 'client');
    const setup = spawnSync(
      sea.file,
      [
        'setup',
        '--state',
        state,
        'SMSSITECODE=PS1',
        'SMSMP=127.0.0.1',
        `CCMHTTPPORT=${ports.http.default}`,
        `CCMHTTPSPORT=${ports.https.default}`,
        `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
      ],
      { cwd: out, env, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(setup.status, 0, setup.stderr);

    const agent = spawn(sea.file, ['agent', '--state', state, '--log-level', 'warn'], {
      cwd: out,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    agent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    t.after(() => {
      if (agent.exitCode === null) agent.kill('SIGKILL');
    });
    const status = await waitFor('the executable agent to check in over HTTPS', () => {
      const now = readClientStatus(state);
      return now.state === 'running' && now.lastContact?.protocol === 'https' ? now : undefined;
    });
    assert.equal(status.siteCode, 'PS1');
    await waitFor('the site to list the client', async () => {
      const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
      return list.clients.length === 1 && list.clients[0]?.lastContact?.port === ports.https.default;
    });
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(readClientStatus(state).state, 'stopped');
  },
);
