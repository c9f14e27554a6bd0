import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { BUNDLE_AGENT_SCRIPT } from './bundle-layout.js';
import { VersionPointerStore } from './version-pointer.js';

/** Set for the agent a launcher runs, so the agent knows someone will start the version it installs. */
export const LAUNCHER_ENV = 'SITEPORT_AGENT_LAUNCHER';

/** Exit code with which an agent asks its launcher to start it again (after it activated a new version). */
export const RESTART_EXIT_CODE = 75;

/** Lifecycle of the launcher: `starting` a child, `running` it, `rolling-back` a failed trial, `stopped`. */
export type LauncherState = 'starting' | 'running' | 'rolling-back' | 'stopped';

export interface LauncherOptions {
  stateDir: string;
  /** The agent script setup installed (the one beside the launcher); runs while no upgrade is current. */
  baseScript: string;
  /** Arguments after the script. @default ['agent', '--state', stateDir] */
  args?: readonly string[];
  /** The Node.js binary. @default process.execPath */
  node?: string;
  /** How often the trial deadline is looked at. @default 1000 */
  checkIntervalMs?: number;
  onState?: (state: LauncherState, detail: Record<string, unknown>) => void;
}

/**
 * Runs the agent version `agent-version.json` names and keeps the way back open. The launcher is
 * the code that was there before the upgrade, so a new version that cannot reach a management
 * point — or cannot start at all — is rolled back by code that is known to work: when a version on
 * trial is past its deadline without having confirmed, or exits with an error while on trial, the
 * launcher stops it, points back at the previous version and starts that one, which reports the
 * rollback at its next contact. Resolves with the exit code of the last agent run.
 */
export class AgentLauncher {
  private readonly store: VersionPointerStore;
  private child: ChildProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LauncherOptions) {
    this.store = new VersionPointerStore(options.stateDir);
  }

  /** The script that runs for the current pointer. */
  scriptFor(version: string | null): string {
    return version === null ? this.options.baseScript : path.join(this.store.versionDir(version), BUNDLE_AGENT_SCRIPT);
  }

  async run(): Promise<number> {
    for (;;) {
      let pointer = this.store.read();
      if (this.store.trialExpired(pointer)) {
        this.emit('rolling-back', { from: pointer.current, reason: 'no-contact' });
        pointer = this.store.rollBack('no-contact');
      }
      const code = await this.runOnce(pointer.current);
      if (this.stopped) return code;
      if (code === RESTART_EXIT_CODE) continue;
      const after = this.store.read();
      // The pointer moved while the agent ran (the trial watch rolled it back): run what it names now.
      if (after.current !== pointer.current) continue;
      if (after.trial !== null) {
        this.emit('rolling-back', { from: after.current, reason: 'exited', code });
        this.store.rollBack('exited');
        continue;
      }
      this.emit('stopped', { code });
      return code;
    }
  }

  /** Passes a signal on to the running agent (SIGHUP: reload client.json). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Stops the agent (SIGTERM) and the launcher. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stopped = true;
    this.child?.kill(signal);
  }

  private runOnce(version: string | null): Promise<number> {
    this.emit('starting', { version });
    const script = this.scriptFor(version);
    const args = this.options.args ?? ['agent', '--state', this.store.dir];
    const child = spawn(this.options.node ?? process.execPath, [script, ...args], {
      stdio: 'inherit',
      env: { ...process.env, [LAUNCHER_ENV]: '1' },
    });
    this.child = child;
    this.emit('running', { version, pid: child.pid });
    this.timer = setInterval(() => this.watchTrial(version), this.options.checkIntervalMs ?? 1000);
    return new Promise((resolve) => {
      child.once('error', () => resolve(1));
      child.once('exit', (code, signal) => {
        clearInterval(this.timer);
        this.child = undefined;
        resolve(code ?? (signal === null ? 1 : 128));
      });
    });
  }

  /** A trial version past its deadline is stopped; `run` then rolls it back. */
  private watchTrial(version: string | null): void {
    let pointer;
    try {
      pointer = this.store.read();
    } catch {
      return;
    }
    if (pointer.current !== version || !this.store.trialExpired(pointer)) return;
    clearInterval(this.timer);
    this.emit('rolling-back', { from: version, reason: 'no-contact' });
    this.store.rollBack('no-contact');
    this.child?.kill('SIGTERM');
    const child = this.child;
    setTimeout(() => child?.kill('SIGKILL'), 15_000).unref();
  }

  private emit(state: LauncherState, detail: Record<string, unknown>): void {
    this.options.onState?.(state, detail);
  }
}
