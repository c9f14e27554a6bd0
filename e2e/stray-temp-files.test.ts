import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runSetup } from '@siteport/agent';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

/** The pid of a process that has exited: what a kill -9 during an atomic write leaves in a temp file's name. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Plants a temp file as writeFileAtomic names them, with content that must never become the real file. */
function plant(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, 'torn half-written content');
  return file;
}

test('a site server removes the temp files of interrupted atomic writes from its data dir at start, with a log line, and keeps a live writer’s', async (t) => {
  const data = tempDir(t);
  const dead = deadPid();
  const stray = [
    plant(data, `.admin-token.${dead}.0123456789ab.tmp`),
    plant(path.join(data, 'pki'), `.site-key.pem.${dead}.0123456789ab.tmp`),
    plant(path.join(data, 'pki'), '.ca.pem.0123456789ab.tmp'),
  ];
  const live = plant(path.join(data, 'pki'), `.mp-other.pem.${process.pid}.0123456789ab.tmp`);
  const server = startCli(
    ['server', '--data', data, ...LOOPBACK_PORT_FLAGS, '--log-level', 'warn'],
    /client communication mode/,
  );
  t.after(() => server.child.kill('SIGTERM'));
  await server.started;
  for (const file of stray) assert.equal(existsSync(file), false, `${file} was removed`);
  assert.equal(existsSync(live), true, 'a temp file of a live process is left alone');
  const logged = server
    .output()
    .stderr.split('\n')
    .find((line) => line.includes('removed temporary files'));
  assert.ok(logged !== undefined, server.output().stderr);
  assert.deepEqual((JSON.parse(logged) as { files: string[] }).files.sort(), [...stray].sort());
  assert.notEqual(readFileSync(path.join(data, 'admin-token'), 'utf8'), 'torn half-written content');
});

test('an agent removes the temp files of interrupted atomic writes from its state dir at start, with a log line', async (t) => {
  const state = path.join(tempDir(t), 'client');
  runSetup({
    stateDir: state,
    properties: ['SMSSITECODE=PS1', 'SMSMP=127.0.0.1', 'CCMHTTPPORT=1', 'CCMHTTPSPORT=2'],
    httpOnly: false,
  });
  const dead = deadPid();
  const stray = [plant(state, `.client.json.${dead}.deadbeef.tmp`), plant(state, `.status.json.${dead}.0badc0de.tmp`)];
  const live = plant(state, `.portswitch.json.${process.pid}.cafebabe.tmp`);
  const agent = startCli(['agent', '--state', state, '--log-level', 'warn', '--request-timeout', '1'], /$^/);
  agent.started.catch(() => undefined);
  t.after(() => agent.child.kill('SIGTERM'));
  await waitFor(
    'the agent logged the removal',
    () => agent.output().stderr.includes('removed temporary files'),
    20_000,
  );
  for (const file of stray) assert.equal(existsSync(file), false, `${file} was removed`);
  assert.equal(existsSync(live), true, 'a temp file of a live process is left alone');
});
