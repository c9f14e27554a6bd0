import { createHash } from 'node:crypto';
import { Client, type ConnectConfig } from 'ssh2';
import { type Secret, SiteportError } from '@siteport/protocol';

/** How to reach and trust one push target. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  secret: { kind: 'key' | 'password'; value: Secret };
  /** The pinned host key fingerprint (`SHA256:…`); null when none is pinned yet. */
  hostKey: string | null;
  /**
   * With no pinned key: accept the one presented and report it for pinning (trust on first use).
   * Applies to key authentication only: a password is never sent to a key that is not pinned.
   */
  acceptNewHostKey: boolean;
  connectTimeoutMs: number;
}

/** Result of one remote command. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A remote step (command or upload) that ran past its deadline; the session is closed. */
export class RemoteStepTimeout extends Error {
  override readonly name = 'RemoteStepTimeout';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The SHA-256 fingerprint of an SSH host key blob, as OpenSSH prints it. */
function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * One SSH connection to a push target (ssh2): host key check against the pin, key or password
 * authentication, remote commands and SFTP upload. Connection failures become E_PUSH_HOST_KEY,
 * E_PUSH_AUTH or E_PUSH_UNREACHABLE with a message that says what to check.
 */
export class SshSession {
  private constructor(
    private readonly client: Client,
    /** The fingerprint the target presented. */
    readonly presentedHostKey: string,
  ) {}

  static connect(target: SshTarget, signal?: AbortSignal): Promise<SshSession> {
    const client = new Client();
    const where = `${target.user}@${target.host}:${target.port}`;
    let presented: string | undefined;
    let rejectedKey = false;
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        presented = hostKeyFingerprint(key);
        // Key authentication proves the account without handing anything over; a password is
        // handed to whoever answers, so it goes only to a pinned key (decision 0093).
        const ok =
          target.hostKey === null
            ? target.acceptNewHostKey && target.secret.kind === 'key'
            : presented === target.hostKey;
        rejectedKey = !ok;
        return ok;
      },
      ...(target.secret.kind === 'key'
        ? { privateKey: target.secret.value.reveal() }
        : { password: target.secret.value.reveal() }),
    };
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        client.end();
        reject(
          new SiteportError('E_PUSH_UNREACHABLE', `push to ${where} was cancelled because the site server is stopping`),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      client.once('ready', () => {
        signal?.removeEventListener('abort', onAbort);
        // A shutdown ends the connection; commands in flight then resolve with no exit code.
        if (signal !== undefined) {
          const endOnAbort = (): void => void client.end();
          signal.addEventListener('abort', endOnAbort, { once: true });
          client.once('close', () => signal.removeEventListener('abort', endOnAbort));
        }
        resolve(new SshSession(client, presented ?? ''));
      });
      client.once('error', (error: Error & { level?: string; code?: string }) => {
        signal?.removeEventListener('abort', onAbort);
        client.end();
        reject(classify(error, where, target, presented, rejectedKey));
      });
      try {
        client.connect(config);
      } catch (error) {
        // ssh2 throws synchronously for a private key it cannot parse.
        reject(
          new SiteportError(
            'E_PUSH_AUTH',
            `the push account's private key for ${where} cannot be used (${(error as Error).message}); set an unencrypted OpenSSH or PEM private key`,
            { cause: error },
          ),
        );
      }
    });
  }

  /**
   * Runs a command; resolves with its exit code and output (output is capped at 64 KiB each).
   * A command still running after `timeoutMs` is abandoned: the connection is closed (the target's
   * sshd then hangs up the command) and the promise rejects with a {@link RemoteStepTimeout}.
   */
  exec(command: string, timeoutMs: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.end();
        reject(new RemoteStepTimeout(`did not finish within ${seconds(timeoutMs)}`));
      }, timeoutMs);
      this.client.exec(command, (error, channel) => {
        if (error) {
          clearTimeout(timer);
          reject(
            new SiteportError('E_PUSH_INSTALL', `the target refused to run a command: ${error.message}`, {
              cause: error,
            }),
          );
          return;
        }
        let stdout = '';
        let stderr = '';
        channel.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
        channel.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-65536)));
        channel.on('close', (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? null, stdout, stderr });
        });
      });
    });
  }

  /**
   * Uploads a local file over SFTP. An upload that makes no progress for `stallMs` (a wedged SFTP
   * server, a full disk that stops answering, a dead link) is abandoned like a timed-out command.
   */
  upload(local: string, remote: string, stallMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stalled = (): void => {
        this.client.end();
        reject(new RemoteStepTimeout(`made no progress for ${seconds(stallMs)}`));
      };
      const progress = (): void => {
        clearTimeout(timer);
        timer = setTimeout(stalled, stallMs);
      };
      progress();
      this.client.sftp((error, sftp) => {
        if (error) {
          clearTimeout(timer);
          reject(error);
          return;
        }
        progress();
        sftp.fastPut(local, remote, { mode: 0o600, step: progress }, (putError) => {
          clearTimeout(timer);
          sftp.end();
          if (putError) reject(putError);
          else resolve();
        });
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

function classify(
  error: Error & { level?: string; code?: string },
  where: string,
  target: SshTarget,
  presented: string | undefined,
  rejectedKey: boolean,
): SiteportError {
  const details = {
    host: target.host,
    port: target.port,
    ...(presented === undefined ? {} : { presentedHostKey: presented }),
  };
  if (rejectedKey && target.hostKey === null && presented !== undefined) {
    const why =
      target.secret.kind === 'password'
        ? 'a password is sent only to a confirmed host key'
        : 'first-use pinning is off';
    return new SiteportError(
      'E_PUSH_HOST_KEY_UNCONFIRMED',
      `${where} presented host key ${presented}, which is not pinned, and ${why}; check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and confirm it: siteport push approve ${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port} --host-key ${presented}`,
      { cause: error, details },
    );
  }
  if (rejectedKey) {
    const message =
      target.hostKey === null
        ? `${where} presented host key ${presented ?? '?'} and no key is pinned for it; give the host's fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or allow first-use pinning`
        : `${where} presented host key ${presented ?? '?'} but ${target.hostKey} is pinned; if the host was legitimately reinstalled, set its new fingerprint, otherwise someone may be intercepting the connection`;
    return new SiteportError('E_PUSH_HOST_KEY', message, { cause: error, details });
  }
  if (error.level === 'client-authentication') {
    return new SiteportError(
      'E_PUSH_AUTH',
      `${where} refused the push account's ${target.secret.kind === 'key' ? 'private key' : 'password'}; check the account and that its public key is in the target's authorized_keys`,
      { cause: error, details },
    );
  }
  const reason = error.code ?? (error.level === 'client-timeout' ? 'timed out' : error.message);
  return new SiteportError(
    'E_PUSH_UNREACHABLE',
    `cannot open an SSH connection to ${where} (${reason}); check that the host is up and sshd listens on port ${target.port}`,
    {
      cause: error,
      details,
    },
  );
}
