import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ClientList, PortsView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { requireTool } from '../test-support/require-tool.js';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';

const PORT_FLAGS = [...LOOPBACK_PORT_FLAGS, '--policy-interval', '2'];

test('siteport backup of a running site and siteport restore onto a fresh data dir: the site comes back with its keys, tokens and clients, and its agent reconnects', async (t) => {
  const dir = tempDir(t);
  const a = path.join(dir, 'a');
  const first = await startCliServer(t, a, PORT_FLAGS);
  const conn = (data: string, url: string) => ['--server', url, '--data', data];
  const ports = JSON.parse((await runCli(['ports', 'show', '--json', ...conn(a, first.adminUrl)])).stdout) as PortsView;
  const [agent] = createFleet(t, { count: 1, ports, caFingerprint: first.ca });
  await agent!.start();
  t.after(() => agent!.stop());
  const clientId = await waitFor('the agent registered', () => agent!.status().clientId ?? undefined, 30_000);

  const file = path.join(dir, 'site.backup');
  const saved = await runCli(['backup', '--data', a, '--out', file]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(saved.stdout, /^backup written to .*site\.backup: \d+ files, with the site database/m);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'it holds the site keys');
  const twice = await runCli(['backup', '--data', a, '--out', file]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /E_OPTION: .*exists; a backup never overwrites a file/);
  await first.stop();

  // Refused: a data dir in use, and an archive whose file does not match its manifest.
  const busy = path.join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(path.join(busy, 'x'), '');
  const intoBusy = await runCli(['restore', file, '--data', busy]);
  assert.equal(intoBusy.code, 1);
  assert.match(intoBusy.stderr, /E_DATA_DIR_NOT_EMPTY/);
  const unpacked = path.join(dir, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', file, '-C', unpacked]);
  writeFileSync(path.join(unpacked, 'admin-token'), 'forged\n');
  const forged = path.join(dir, 'forged.backup');
  execFileSync('tar', ['-czf', forged, '-C', unpacked, '.']);
  const fromForged = await runCli(['restore', forged, '--data', path.join(dir, 'f')]);
  assert.equal(fromForged.code, 1);
  assert.match(fromForged.stderr, /E_BACKUP_INVALID: .*admin-token does not match its checksum/);
  // A hostile archive: a symbolic link where a key should be, pointing outside the data dir.
  writeFileSync(path.join(unpacked, 'admin-token'), readFileSync(path.join(a, 'admin-token')));
  rmSync(path.join(unpacked, 'push-secret.key'));
  symlinkSync('/etc/passwd', path.join(unpacked, 'push-secret.key'));
  const linked = path.join(dir, 'linked.backup');
  execFileSync('tar', ['-czf', linked, '-C', unpacked, '.']);
  const fromLinked = await runCli(['restore', linked, '--data', path.join(dir, 'h')]);
  assert.equal(fromLinked.code, 1);
  assert.match(fromLinked.stderr, /E_BACKUP_INVALID: .*push-secret\.key is not a regular file/);
  assert.ok(!existsSync(path.join(dir, 'h')), 'nothing restored');
  const notBackup = await runCli(['restore', path.join(dir, 'busy', 'x'), '--data', path.join(dir, 'g')]);
  assert.equal(notBackup.code, 1);
  assert.match(notBackup.stderr, /E_BACKUP_INVALID/);

  const b = path.join(dir, 'b');
  const restored = await runCli(['restore', file, '--data', b, '--json']);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal((JSON.parse(restored.stdout) as { database: string }).database, 'sqlite');
  assert.equal(statSync(b).mode & 0o777, 0o700);
  assert.equal(readFileSync(path.join(b, 'admin-token'), 'utf8'), readFileSync(path.join(a, 'admin-token'), 'utf8'));

  // The restored site serves on its own ports again; the agent, which knew nothing of this, comes back.
  const second = await startCliServer(t, b, ['--admin-port', '0', '--bind', '127.0.0.1']);
  assert.equal(second.ca, first.ca, 'the same site CA');
  const restartedAt = new Date().toISOString();
  await waitFor(
    'the agent talks to the restored site',
    () => (agent!.status().lastContact?.at ?? '') > restartedAt,
    60_000,
  );
  assert.equal(agent!.status().clientId, clientId, 'the same client id');
  const list = await runCli(['clients', 'list', '--json', ...conn(b, second.adminUrl)]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok((JSON.parse(list.stdout) as ClientList).clients.some((c) => c.clientId === clientId));
});

test('siteport backup puts the archive on disk before it gets its name, and the name on disk before it reports done', async (t) => {
  if (!requireTool(t, 'strace', 'apt-get install strace')) return;
  const dir = tempDir(t);
  const data = path.join(dir, 'site');
  const server = await startCliServer(t, data, PORT_FLAGS);
  await server.stop();
  const file = path.join(dir, 'site.backup');
  const log = path.join(dir, 'strace.log');
  const saved = await runCli(['backup', '--data', data, '--out', file], {
    prefix: ['strace', '-f', '-qq', '-o', log, '-e', 'trace=openat,fsync,rename'],
  });
  assert.equal(saved.code, 0, saved.stderr);
  const calls = readFileSync(log, 'utf8').split('\n');
  const at = (pattern: RegExp): number => calls.findIndex((line) => pattern.test(line));
  const partial = `${file}.partial`;
  const rename = at(new RegExp(`rename\\("${partial}", "${file}"\\) = 0`));
  assert.ok(rename > 0, 'the archive is renamed into place');
  // The last open of the finished archive, and an fsync of that descriptor before the rename.
  const opens = calls.slice(0, rename).flatMap((line, i) => {
    const m = new RegExp(`openat\\(AT_FDCWD, "${partial}", O_RDONLY\\|O_CLOEXEC\\) = (\\d+)`).exec(line);
    return m === null ? [] : [[i, m[1]!] as const];
  });
  const [openedAt, fd] = opens.at(-1) ?? [-1, ''];
  assert.ok(openedAt >= 0, 'the finished archive is opened to be synced');
  assert.ok(
    calls.slice(openedAt, rename).some((line) => new RegExp(`fsync\\(${fd}\\)\\s+= 0`).test(line)),
    'fsync of the archive before its rename',
  );
  // Then the directory that holds the new name.
  const dirOpen = calls.slice(rename).flatMap((line) => {
    const m = new RegExp(`openat\\(AT_FDCWD, "${dir}", O_RDONLY\\|O_CLOEXEC\\) = (\\d+)`).exec(line);
    return m === null ? [] : [m[1]!];
  })[0];
  assert.ok(dirOpen !== undefined, 'the directory is opened after the rename');
  assert.ok(
    calls.slice(rename).some((line) => new RegExp(`fsync\\(${dirOpen}\\)\\s+= 0`).test(line)),
    'fsync of the directory after the rename',
  );
});
