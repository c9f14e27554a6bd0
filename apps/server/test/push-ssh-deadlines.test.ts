import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Secret } from '@siteport/protocol';
import { RemoteStepTimeout, SshSession } from '../src/push/ssh-session.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { sshKeyPair, startSshd } from '../../../test-support/sshd.js';
import { tempDir } from '../../../test-support/temp-dir.js';

/** The sshd processes serving connections: the children of the listening sshd. */
function sessionProcesses(sshdDir: string): number[] {
  const listener = readFileSync(path.join(sshdDir, 'sshd.pid'), 'utf8').trim();
  const out = execFileSync('pgrep', ['-P', listener], { encoding: 'utf8' }).trim();
  return out === '' ? [] : out.split('\n').map(Number);
}

test('a remote command past its deadline and an upload that stops progressing are abandoned with a timeout, not waited for forever', async (t) => {
  if (!requireTool(t, 'sshd', 'apt-get install openssh-server')) return;
  const dir = tempDir(t);
  const key = sshKeyPair(dir, 'push_ed25519');
  const sshd = await startSshd(t, { authorizedKeys: [key.publicKey] });
  const target = {
    host: '127.0.0.1',
    port: sshd.port,
    user: 'root',
    secret: { kind: 'key' as const, value: new Secret(key.privateKey) },
    hostKey: sshd.hostKey.fingerprint,
    acceptNewHostKey: false,
    connectTimeoutMs: 20_000,
  };

  const slow = await SshSession.connect(target);
  const started = Date.now();
  await assert.rejects(
    slow.exec('sleep 30', 500),
    (error: unknown) => error instanceof RemoteStepTimeout && /did not finish within 0\.5 s/.test(error.message),
  );
  assert.ok(Date.now() - started < 5000, 'the deadline, not the command, ended the wait');
  const quick = await SshSession.connect(target);
  assert.deepEqual(
    await quick.exec('echo ready', 5000),
    { code: 0, stdout: 'ready\n', stderr: '' },
    'commands inside their deadline still run',
  );
  quick.close();

  // A wedged target: the sshd serving the connection is stopped (SIGSTOP) before the upload starts.
  const local = path.join(dir, 'bundle.tar.gz');
  writeFileSync(local, Buffer.alloc(512 * 1024, 1));
  const wedged = await SshSession.connect(target);
  const stopped = sessionProcesses(sshd.dir);
  assert.ok(stopped.length > 0, 'found the sshd serving the session');
  t.after(() => stopped.forEach((pid) => process.kill(pid, 'SIGCONT')));
  for (const pid of stopped) process.kill(pid, 'SIGSTOP');
  const uploadStarted = Date.now();
  await assert.rejects(
    wedged.upload(local, path.join(dir, 'copy.tar.gz'), 700),
    (error: unknown) => error instanceof RemoteStepTimeout && /made no progress for 0\.7 s/.test(error.message),
  );
  assert.ok(Date.now() - uploadStarted < 5000);
});
