import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type HasAfter, tempDir } from './temp-dir.js';

/** An SSH key pair made with ssh-keygen: the private key file's text and the public key line. */
export interface SshKeyPair {
  privateKey: string;
  privateKeyFile: string;
  publicKey: string;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** Generates an ed25519 key pair in `dir`. */
export function sshKeyPair(dir: string, name: string): SshKeyPair {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).toString();
  return {
    privateKey: readFileSync(file, 'utf8'),
    privateKeyFile: file,
    publicKey: readFileSync(`${file}.pub`, 'utf8').trim(),
    fingerprint: /SHA256:[A-Za-z0-9+/]+/.exec(printed)?.[0] ?? '',
  };
}

/** One test host: a real OpenSSH sshd on a loopback port with its own host key and authorized_keys. */
export interface TestSshd {
  port: number;
  hostKey: SshKeyPair;
  dir: string;
  /** Restarts the same host (same port and host key) with other extra config lines. */
  restart: (extra?: readonly string[]) => Promise<void>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts `/usr/sbin/sshd -D -e` on 127.0.0.1 with a config in a temp dir: its own host key,
 * AuthorizedKeysFile and PidFile there, StrictModes off, root login with keys (and passwords,
 * which fail: the test never sets one). sshd cannot bind port 0, so a free port is picked first.
 * The machine's own sshd config and port 22 are never touched. Stopped when the test ends.
 */
export async function startSshd(
  t: HasAfter,
  options: { authorizedKeys: readonly string[]; extra?: readonly string[] },
): Promise<TestSshd> {
  mkdirSync('/run/sshd', { recursive: true });
  const dir = tempDir(t, 'siteport-sshd-');
  const hostKey = sshKeyPair(dir, 'host_ed25519');
  writeFileSync(path.join(dir, 'authorized_keys'), `${options.authorizedKeys.join('\n')}\n`, { mode: 0o600 });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (extra: readonly string[]): Promise<void> => {
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey.privateKeyFile}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      ...extra,
    ];
    const file = path.join(dir, 'sshd_config');
    writeFileSync(file, `${config.join('\n')}\n`);
    output = '';
    child = spawn('/usr/sbin/sshd', ['-f', file, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
    await waitForPort(port, child, () => output, 10_000);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };
  await start(options.extra ?? []);
  t.after(stop);
  return {
    port,
    hostKey,
    dir,
    restart: async (extra = []) => {
      await stop();
      await start(extra);
    },
    stop,
  };
}

/** One authentication attempt a {@link RecordingSshServer} saw. */
interface SshAuthAttempt {
  method: string;
  user: string;
  /** The password, for `password` attempts. */
  password?: string;
}

/** A hostile SSH server (ssh2) on loopback: completes the key exchange with its own host key, records every authentication attempt and refuses it. */
export interface RecordingSshServer {
  port: number;
  hostKey: SshKeyPair;
  /** Connections that completed the handshake up to authentication. */
  handshakes: () => number;
  attempts: () => readonly SshAuthAttempt[];
}

/** Starts a {@link RecordingSshServer} on 127.0.0.1 (a free port); closed after the test. */
export async function startRecordingSshServer(t: HasAfter): Promise<RecordingSshServer> {
  const { Server } = (await import('ssh2')).default;
  const dir = tempDir(t, 'siteport-fake-sshd-');
  const hostKey = sshKeyPair(dir, 'fake_host_ed25519');
  const attempts: SshAuthAttempt[] = [];
  let handshakes = 0;
  const open = new Set<{ end: () => unknown }>();
  const server = new Server({ hostKeys: [hostKey.privateKey] }, (conn) => {
    handshakes += 1;
    open.add(conn);
    conn.on('close', () => open.delete(conn));
    conn.on('authentication', (ctx) => {
      attempts.push({
        method: ctx.method,
        user: ctx.username,
        ...(ctx.method === 'password' ? { password: ctx.password } : {}),
      });
      ctx.reject(['password', 'publickey']);
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.after(async () => {
    for (const conn of open) conn.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, hostKey, handshakes: () => handshakes, attempts: () => attempts };
}
