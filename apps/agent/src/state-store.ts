import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import { SiteportError } from '@siteport/protocol';
import { type ClientConfig, clientConfigProblem } from './client-config.js';
import { type AgentStatus, initialAgentStatus } from './agent-status.js';
import type { PortSwitchRecord } from './port-switch-record.js';

/** File names inside a client state directory. */
export const STATE_FILES = {
  config: 'client.json',
  key: 'key.pem',
  ca: 'ca.pem',
  /** Further TLS trust anchors the site signed (an imported MP certificate's root, decision 0101). */
  trust: 'trust.pem',
  status: 'status.json',
  portSwitch: 'portswitch.json',
  pid: 'agent.pid',
  reloadRequest: 'reload.request',
  directoryPassword: 'directory-password',
} as const;

/**
 * The client state directory. Every write is atomic (see {@link writeFileAtomicSync}); every read of
 * a torn or invalid file is E_STATE_CORRUPT naming the file.
 */
export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Absolute path of one state file. */
  file(name: keyof typeof STATE_FILES): string {
    return path.join(this.dir, STATE_FILES[name]);
  }

  /** Creates the directory (mode 0700) if it does not exist. */
  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Whether a client is installed here (client.json exists). */
  isInstalled(): boolean {
    return existsSync(this.file('config'));
  }

  /** Reads client.json; E_NOT_INSTALLED when absent, E_STATE_CORRUPT when unreadable. */
  readConfig(): ClientConfig {
    const value = this.readJson('config');
    if (value === undefined) {
      throw new SiteportError(
        'E_NOT_INSTALLED',
        `no siteport client is installed in ${this.dir}; run siteport setup --state ${this.dir} SMSMP=<management point>`,
      );
    }
    const problem = clientConfigProblem(value);
    if (problem !== null) throw this.corrupt('config', problem);
    return value as ClientConfig;
  }

  writeConfig(config: ClientConfig): void {
    this.writeJson('config', config);
  }

  /** Reads status.json, or the initial status when the agent never wrote one. */
  readStatus(): AgentStatus {
    const value = this.readJson('status');
    if (value === undefined) return initialAgentStatus();
    if (typeof value !== 'object' || value === null || typeof (value as { state?: unknown }).state !== 'string') {
      throw this.corrupt('status', 'no state field');
    }
    return { ...initialAgentStatus(), ...(value as Partial<AgentStatus>) };
  }

  writeStatus(status: AgentStatus): void {
    this.writeJson('status', status);
  }

  /** The last port switch record, or null when the tool never ran here. */
  readPortSwitch(): PortSwitchRecord | null {
    const value = this.readJson('portSwitch');
    if (value === undefined) return null;
    if (typeof value !== 'object' || value === null || typeof (value as { httpPort?: unknown }).httpPort !== 'number') {
      throw this.corrupt('portSwitch', 'no httpPort field');
    }
    return value as PortSwitchRecord;
  }

  writePortSwitch(record: PortSwitchRecord): void {
    this.writeJson('portSwitch', record);
  }

  /** Reads a text file (key, CA), or undefined when it does not exist. */
  readText(name: 'key' | 'ca' | 'trust' | 'directoryPassword'): string | undefined {
    try {
      return readFileSync(this.file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.corrupt(name, (error as Error).message, error);
    }
  }

  /** Writes a text file atomically with mode 0600. */
  writeText(name: 'key' | 'ca' | 'trust' | 'directoryPassword', text: string): void {
    writeFileAtomicSync(this.file(name), text, 0o600);
  }

  /** Removes a state file if present. */
  remove(name: keyof typeof STATE_FILES): void {
    rmSync(this.file(name), { force: true });
  }

  /**
   * Removes the temporary files of atomic writes that never finished (`.<file>.<pid>.<hex>.tmp`,
   * left by a crash or kill -9 between writing and renaming). A file whose writer is another live
   * process (`siteport portswitch`, `setup`) is left alone. Returns the removed paths.
   */
  removeStrayTempFiles(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      const match = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
      if (match === null) continue;
      const pid = Number(match[1]);
      if (pid !== process.pid && isProcessAlive(pid)) continue;
      rmSync(path.join(this.dir, name), { force: true });
      removed.push(path.join(this.dir, name));
    }
    return removed;
  }

  /** The pid recorded in agent.pid, or null when absent or unparsable. */
  readPid(): number | null {
    let text: string;
    try {
      text = readFileSync(this.file('pid'), 'utf8');
    } catch {
      return null;
    }
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  writePid(pid: number): void {
    writeFileAtomicSync(this.file('pid'), `${pid}\n`, 0o644);
  }

  /** The pid of a live agent process holding this directory, or null. */
  liveAgentPid(): number | null {
    const pid = this.readPid();
    return pid !== null && isProcessAlive(pid) ? pid : null;
  }

  private readJson(name: keyof typeof STATE_FILES): unknown {
    let text: string;
    try {
      text = readFileSync(this.file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.corrupt(name, (error as Error).message, error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw this.corrupt(name, 'not valid JSON', error);
    }
  }

  private writeJson(name: keyof typeof STATE_FILES, value: unknown): void {
    writeFileAtomicSync(this.file(name), `${JSON.stringify(value, null, 2)}\n`, 0o600);
  }

  private corrupt(name: keyof typeof STATE_FILES, why: string, cause?: unknown): SiteportError {
    const file = this.file(name);
    return new SiteportError(
      'E_STATE_CORRUPT',
      `${file} cannot be read (${why}); rerun siteport setup --state ${this.dir} with the client's properties to rewrite it`,
      { details: { file }, ...(cause === undefined ? {} : { cause }) },
    );
  }
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
