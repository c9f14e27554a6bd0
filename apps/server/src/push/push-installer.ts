import path from 'node:path';
import { SiteportError, shellQuote } from '@siteport/protocol';
import type { AgentBundle } from './agent-bundle-source.js';
import { RemoteStepTimeout, SshSession, type SshTarget } from './ssh-session.js';

/** The steps of one push attempt that the host's status shows. */
export type PushStep = 'connecting' | 'copying' | 'installing';

/** What one install attempt needs. */
export interface PushAttempt {
  target: SshTarget;
  bundle: AgentBundle;
  installDir: string;
  /** Client installation properties (SMSSITECODE, SMSMP, CCMHTTPPORT, CCMHTTPSPORT, SMSCAFINGERPRINT). */
  properties: readonly string[];
  onStep: (step: PushStep) => void;
  /** Called once the SSH connection is up, with the host key the target presented (for first-use pinning). */
  onConnected: (hostKey: string) => void;
  signal?: AbortSignal;
  /** Deadline of each remote command (prepare, unpack and setup). */
  commandTimeoutMs: number;
  /** An upload with no progress for this long is abandoned. */
  uploadStallMs: number;
}

/** What a successful attempt reports before the registration wait. */
export interface PushInstalled {
  presentedHostKey: string;
  keyFingerprint: string;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** A timed-out remote step as the attempt's failure; other errors pass through. */
function timedOut(
  error: unknown,
  code: 'E_PUSH_COPY' | 'E_PUSH_INSTALL',
  what: string,
  hint = 'check the host',
): unknown {
  if (!(error instanceof RemoteStepTimeout)) return error;
  return new SiteportError(code, `${what} ${error.message}; ${hint}, then the next attempt retries it`, {
    cause: error,
  });
}

/**
 * One push installation attempt: connect (host key checked), upload the bundle into
 * `<installDir>/incoming`, unpack it and run its `install.sh` with the site's properties, which
 * installs side by side and switches over only after setup succeeded. The upload folder is removed
 * whatever happens. Resolves with the new client's key fingerprint; the caller waits for it to register.
 */
export async function runPushAttempt(attempt: PushAttempt): Promise<PushInstalled> {
  attempt.onStep('connecting');
  const session = await SshSession.connect(attempt.target, attempt.signal);
  attempt.onConnected(session.presentedHostKey);
  const where = `${attempt.target.host}:${attempt.target.port}`;
  const incoming = `${attempt.installDir}/incoming`;
  try {
    attempt.onStep('copying');
    const prepared = await session
      .exec(`mkdir -p ${shellQuote(incoming)} && rm -rf ${shellQuote(incoming)}/*`, attempt.commandTimeoutMs)
      .catch((error: unknown) => {
        throw timedOut(error, 'E_PUSH_COPY', `preparing ${incoming} on ${where}`);
      });
    if (prepared.code !== 0) {
      throw new SiteportError(
        'E_PUSH_COPY',
        `cannot create ${incoming} on ${where}: ${lastLine(prepared.stderr) || `exit code ${String(prepared.code)}`}`,
      );
    }
    const remoteTar = `${incoming}/${path.basename(attempt.bundle.file)}`;
    try {
      await session.upload(attempt.bundle.file, remoteTar, attempt.uploadStallMs);
    } catch (error) {
      if (error instanceof RemoteStepTimeout) {
        // The session is closed; the next attempt clears the upload folder before it copies.
        throw timedOut(
          error,
          'E_PUSH_COPY',
          `copying the agent bundle to ${where}:${remoteTar}`,
          'check the disk and the link to the host',
        );
      }
      await session.exec(`rm -rf ${shellQuote(incoming)}`, attempt.commandTimeoutMs).catch(() => undefined);
      const why = (error as Error).message;
      const full = /no space|quota|failure/i.test(why) ? `${why} (is the disk of ${attempt.installDir} full?)` : why;
      throw new SiteportError(
        'E_PUSH_COPY',
        `copying the agent bundle to ${where}:${remoteTar} failed: ${full}; free space there or choose another install dir`,
        {
          cause: error,
        },
      );
    }

    attempt.onStep('installing');
    const props = attempt.properties.map(shellQuote).join(' ');
    const command = [
      `cd ${shellQuote(incoming)}`,
      `tar -xzf ${shellQuote(path.basename(remoteTar))} 2>&1 >/dev/null || { echo "SITEPORT-INSTALL-FAILED: cannot unpack the agent bundle (disk full?)" >&2; cd /; rm -rf ${shellQuote(incoming)}; exit 1; }`,
      `sh ${shellQuote(`${attempt.bundle.folder}/install.sh`)} --root ${shellQuote(attempt.installDir)} -- ${props}; rc=$?`,
      `cd /; rm -rf ${shellQuote(incoming)}; exit $rc`,
    ].join('; ');
    const result = await session.exec(command, attempt.commandTimeoutMs).catch((error: unknown) => {
      throw timedOut(
        error,
        'E_PUSH_INSTALL',
        `installing the client on ${where}`,
        'the setup keeps the previous client active until it succeeds',
      );
    });
    const installed = /SITEPORT-INSTALLED: version=\S+ fingerprint=([0-9a-f]{64})/.exec(result.stdout);
    if (result.code !== 0 || installed?.[1] === undefined) {
      const failed = /SITEPORT-INSTALL-FAILED: (.*)/.exec(result.stderr)?.[1];
      throw new SiteportError(
        'E_PUSH_INSTALL',
        `installing the client on ${where} failed: ${failed ?? (lastLine(result.stderr) || `exit code ${String(result.code)}`)}`,
        { details: { exitCode: result.code } },
      );
    }
    return { presentedHostKey: session.presentedHostKey, keyFingerprint: installed[1] };
  } finally {
    session.close();
  }
}
