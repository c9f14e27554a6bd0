import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import { SiteportError, compareAgentVersions, isReleaseVersion } from '@siteport/protocol';
import { type PackageEntry, writeEntries } from './safe-untar.js';

/** A version that rolled back on its own, kept until the agent reported it to the site. */
export interface RollbackRecord {
  from: string;
  to: string | null;
  at: string;
  /** `no-contact`: missed its deadline; `exited`: failed while on trial; `reverted`: the administrator rolled the upgrade back. */
  reason: 'no-contact' | 'exited' | 'reverted';
}

/**
 * `agent-version.json` in the state directory: which installed version runs. `null` is the agent
 * installed by setup (the script beside the launcher). A `trial` version has until `deadline` to
 * reach a management point; until then the launcher keeps `previous` to go back to.
 */
export interface VersionPointer {
  current: string | null;
  previous: string | null;
  trial: { since: string; deadline: string } | null;
  rolledBack: RollbackRecord | null;
}

export const POINTER_FILE = 'agent-version.json';
const VERSIONS_DIR = 'versions';

const EMPTY: VersionPointer = { current: null, previous: null, trial: null, rolledBack: null };

const isVersionOrNull = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && isReleaseVersion(value));

/**
 * The side-by-side install of agent versions in a state directory: `versions/<version>/` holds each
 * unpacked package, and `agent-version.json`, replaced atomically, says which one runs and which one
 * came before. Written by the running agent (install, activate, confirm) and by the launcher
 * (roll back); each write replaces the whole file, so a crash leaves the old pointer or the new.
 */
export class VersionPointerStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.resolve(stateDir);
  }

  get file(): string {
    return path.join(this.dir, POINTER_FILE);
  }

  /** The folder of an installed version (`null`: the agent setup installed, beside the launcher). */
  versionDir(version: string): string {
    if (!isReleaseVersion(version))
      throw new SiteportError('E_UPGRADE_PACKAGE', `${JSON.stringify(version)} is not a release version`);
    return path.join(this.dir, VERSIONS_DIR, version);
  }

  read(): VersionPointer {
    if (!existsSync(this.file)) return { ...EMPTY };
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw new SiteportError(
        'E_STATE_CORRUPT',
        `${this.file} is not JSON; remove it to run the agent setup installed`,
        { cause: error },
      );
    }
    const v = value as Partial<VersionPointer> | null;
    if (typeof v !== 'object' || v === null || !isVersionOrNull(v.current) || !isVersionOrNull(v.previous))
      throw new SiteportError(
        'E_STATE_CORRUPT',
        `${this.file} names no valid version; remove it to run the agent setup installed`,
      );
    return { current: v.current, previous: v.previous, trial: v.trial ?? null, rolledBack: v.rolledBack ?? null };
  }

  write(pointer: VersionPointer): void {
    writeFileAtomicSync(this.file, `${JSON.stringify(pointer, null, 2)}\n`, 0o600);
  }

  /** Unpacks checked entries into `versions/<version>/` (a half-written folder is never that name). */
  install(version: string, entries: readonly PackageEntry[]): string {
    const target = this.versionDir(version);
    const partial = `${target}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeEntries(entries, partial);
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
    return target;
  }

  /** Switches to an installed version on trial: it must reach an MP within `trialMs` or the launcher goes back. */
  activate(version: string, trialMs: number, now = new Date()): VersionPointer {
    const old = this.read();
    if (!existsSync(this.versionDir(version)))
      throw new SiteportError('E_INTERNAL', `version ${version} is not installed`);
    const next: VersionPointer = {
      current: version,
      previous: old.current,
      trial: { since: now.toISOString(), deadline: new Date(now.getTime() + trialMs).toISOString() },
      rolledBack: old.rolledBack,
    };
    this.write(next);
    return next;
  }

  /** The running version reached an MP: it is kept; older installs than the previous one are removed. */
  confirm(): void {
    const pointer = this.read();
    if (pointer.trial === null) return;
    this.write({ ...pointer, trial: null });
    this.prune();
  }

  /** Goes back to the previous version and records why, for the next report to the site. */
  rollBack(reason: RollbackRecord['reason'], now = new Date()): VersionPointer {
    const pointer = this.read();
    if (pointer.current === null) return pointer;
    const next: VersionPointer = {
      current: pointer.previous,
      previous: null,
      trial: null,
      rolledBack: { from: pointer.current, to: pointer.previous, at: now.toISOString(), reason },
    };
    this.write(next);
    return next;
  }

  /** Whether the running trial is past its deadline. */
  trialExpired(pointer: VersionPointer, now = new Date()): boolean {
    return pointer.trial !== null && Date.parse(pointer.trial.deadline) <= now.getTime();
  }

  /** Forgets a rollback once the site has it. */
  clearRollback(): void {
    const pointer = this.read();
    if (pointer.rolledBack !== null) this.write({ ...pointer, rolledBack: null });
  }

  /** Removes installed versions older than the current one, except the previous one (newer ones may be staged). */
  prune(): void {
    const { current, previous } = this.read();
    const root = path.join(this.dir, VERSIONS_DIR);
    if (current === null || !existsSync(root)) return;
    for (const name of readdirSync(root)) {
      if (name === current || name === previous || compareAgentVersions(name, current) > 0) continue;
      rmSync(path.join(root, name), { recursive: true, force: true });
    }
  }
}
