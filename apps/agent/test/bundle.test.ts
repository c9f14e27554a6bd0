import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildAgentBundle } from '@siteport/agent/bundle';
import { tempDir } from '../../../test-support/temp-dir.js';

test('the agent bundle is a versioned tarball whose agent runs on a plain node with no node_modules', async (t) => {
  const out = tempDir(t);
  const bundle = await buildAgentBundle(out);
  assert.match(path.basename(bundle.file), /^siteport-agent-\d+\.\d+\.\d+\.tar\.gz$/);
  const unpack = tempDir(t);
  execFileSync('tar', ['-xzf', bundle.file, '-C', unpack]);
  const dir = path.join(unpack, bundle.folder);
  assert.deepEqual(readdirSync(dir).sort(), [
    'VERSION',
    'install.sh',
    'sha256sums',
    'siteport-agent.mjs',
    'siteport-agent.service',
  ]);
  assert.equal(readFileSync(path.join(dir, 'VERSION'), 'utf8').trim(), bundle.version);
  assert.match(
    readFileSync(path.join(dir, 'siteport-agent.service'), 'utf8'),
    /ExecStart=@NODE@ @ROOT@\/current\/siteport-agent\.mjs launch --state @ROOT@\/state/,
  );
  assert.equal(spawnSync('sha256sum', ['-c', 'sha256sums'], { cwd: dir }).status, 0, 'the checksums match');
  assert.ok(!existsSync(path.join(unpack, 'node_modules')));

  // A plain node, cwd outside the repository, no NODE_PATH: everything must come from the one file.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(dir, 'siteport-agent.mjs'), ...args], {
      cwd: unpack,
      env,
      encoding: 'utf8',
    });
  assert.equal(run('--version').stdout.trim(), bundle.version);
  const state = path.join(unpack, 'state');
  const setup = run(
    'setup',
    '--state',
    state,
    'SMSSITECODE=PS1',
    'SMSMP=127.0.0.1',
    'CCMHTTPPORT=8080',
    'CCMHTTPSPORT=8443',
  );
  assert.equal(setup.status, 0, setup.stderr);
  const status = run('client', 'status', '--state', state, '--json');
  assert.equal(status.status, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).ports.http.default, 8080);
  assert.match(JSON.parse(run('client', 'identity', '--state', state).stdout).keyFingerprint, /^[0-9a-f]{64}$/);
  const bad = run('setup', '--state', state, 'CCMHTTPPORT=0');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^siteport-agent: E_SETUP_PROPERTY: CCMHTTPPORT/);
  assert.equal(run('bogus').status, 2);
  assert.equal(run().status, 2, 'no command: help and a usage error');
  // The same command definitions as siteport's: setup reads the directory here too.
  const help = run('setup', '--help');
  assert.equal(help.status, 0);
  for (const flag of [
    '--directory <url>',
    '--directory-bind-dn <dn>',
    '--dns-domain <domain>',
    '--reregister',
    '--new-identity',
  ])
    assert.ok(help.stdout.includes(flag), flag);
  assert.match(run('agent', '--help').stdout, /--retry-default-after <seconds>/);
});
