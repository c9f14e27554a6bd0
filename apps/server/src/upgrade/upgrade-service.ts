// Over 300 lines: the upgrade state machine's transitions (start, report, advance, halt, resume, roll back) share one transaction and audit pattern around the upgrade row; the offer and package parts the MP serves read the same rows.
import { createPublicKey, randomUUID } from 'node:crypto';
import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import {
  SiteportError,
  UPGRADE_PART_BYTES,
  type UpgradeOffer,
  type UpgradePackagePart,
  type UpgradeReport,
  compareAgentVersions,
} from '@siteport/protocol';
import type { AuditRepository } from '../site/index.js';
import { allAnswered, failureRate, passesThreshold, type UpgradeCounts } from './failure-threshold.js';
import { checkAgentPackage, releaseKeyFingerprint } from './package-signing.js';
import { type AgentUpgrade, type StoredPackage, UpgradeRepository } from './upgrade-repository.js';
import { type UpgradeState, type UpgradeWave, canMoveUpgrade, offeredWaves } from './upgrade-state.js';
import { selectWaves } from './wave-selection.js';

/** Share of the site's clients in the canary wave. @default 10 */
const DEFAULT_CANARY_PERCENT = 10;
/** Halt when more than this percentage of the offered clients failed or rolled back. @default 20 */
const DEFAULT_FAILURE_THRESHOLD_PERCENT = 20;

/** How an administrator starts an upgrade. */
export interface StartUpgrade {
  version: string;
  canaryPercent?: number;
  failureThresholdPercent?: number;
  /** Go on to the rest by itself once every canary answered under the threshold. @default false */
  autoAdvance?: boolean;
  /** Offer the version also to clients that run a newer one. @default false */
  allowDowngrade?: boolean;
}

/** An upgrade with its progress per wave, as the admin API shows it. */
export interface UpgradeProgress {
  upgrade: AgentUpgrade;
  waves: Record<UpgradeWave, UpgradeCounts & { selected: number }>;
  failureRate: number;
}

type Trx = Transaction<SiteDatabase>;

/**
 * Agent upgrades of a site (decision 0111): the release public key, signed packages, and upgrade
 * rollouts that offer a version to a canary wave, then the rest, halting when the failure rate
 * passes the threshold. Every change is one transaction with its audit record.
 */
export class UpgradeService {
  readonly repo: UpgradeRepository;

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      audit: AuditRepository;
      /** Told after every change that moves what policy announces (the MP rebuilds its policy). */
      onChanged?: (siteCode: string) => void;
      now?: () => Date;
    },
  ) {
    this.repo = new UpgradeRepository(deps.db);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Sets the site's release public key (an Ed25519 SPKI PEM); agents pin its fingerprint at setup. */
  async setReleaseKey(siteCode: string, publicKeyPem: string, actor: string): Promise<{ fingerprint: string }> {
    let fingerprint: string;
    try {
      const key = createPublicKey(publicKeyPem);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
      fingerprint = releaseKeyFingerprint(publicKeyPem);
    } catch (error) {
      throw new SiteportError(
        'E_RELEASE_KEY',
        `the release key is not an Ed25519 public key in PEM: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const old = await this.repo.releaseKey(siteCode);
    const at = this.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.setReleaseKey(trx, siteCode, publicKeyPem, fingerprint, at, actor);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'upgrade.release-key',
        oldValue: old === undefined ? null : { fingerprint: old.fingerprint },
        newValue: { fingerprint },
        outcome: 'set',
      });
    });
    return { fingerprint };
  }

  async releaseKey(siteCode: string): Promise<{ publicKey: string; fingerprint: string } | null> {
    return (await this.repo.releaseKey(siteCode)) ?? null;
  }

  /** Registers a signed package after checking it against the site's release key. */
  async registerPackage(siteCode: string, data: Buffer, signature: unknown, actor: string): Promise<StoredPackage> {
    const key = await this.repo.releaseKey(siteCode);
    if (key === undefined)
      throw new SiteportError(
        'E_RELEASE_KEY',
        `site ${siteCode} has no release public key; set it first with siteport upgrade key set FILE`,
      );
    const sig = checkAgentPackage(data, signature, key.publicKey);
    if ((await this.repo.findPackage(siteCode, sig.version)) !== undefined)
      throw new SiteportError('E_UPGRADE_EXISTS', `version ${sig.version} is already registered for site ${siteCode}`);
    const pkg: StoredPackage = {
      siteCode,
      version: sig.version,
      sha256: sig.sha256,
      bytes: sig.bytes,
      signature: JSON.stringify(sig),
      createdAt: this.now().toISOString(),
      createdBy: actor,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.insertPackage(trx, pkg, data);
      await this.deps.audit.append(trx, {
        at: pkg.createdAt,
        actor,
        siteCode,
        action: 'upgrade.package',
        oldValue: null,
        newValue: { version: pkg.version, sha256: pkg.sha256, bytes: pkg.bytes, keyId: sig.keyId },
        outcome: 'registered',
      });
    });
    return pkg;
  }

  /** Starts an upgrade: selects the site's active clients that do not run the version, in two waves. */
  async start(siteCode: string, options: StartUpgrade, actor: string): Promise<UpgradeProgress> {
    const pkg = await this.repo.findPackage(siteCode, options.version);
    if (pkg === undefined)
      throw new SiteportError(
        'E_UPGRADE_NOT_FOUND',
        `no package of version ${options.version} is registered for site ${siteCode}; siteport upgrade package add first`,
      );
    const canaryPercent = options.canaryPercent ?? DEFAULT_CANARY_PERCENT;
    const threshold = options.failureThresholdPercent ?? DEFAULT_FAILURE_THRESHOLD_PERCENT;
    const at = this.now().toISOString();
    const id = randomUUID();
    await this.deps.db.transaction().execute(async (trx) => {
      const open = await this.repo.openUpgrade(siteCode, trx);
      if (open !== undefined)
        throw new SiteportError(
          'E_UPGRADE_ACTIVE',
          `upgrade ${open.id} to ${open.version} is ${open.state}; complete or roll it back first`,
        );
      const clients = (await this.repo.activeClients(trx, siteCode)).filter(
        (c) =>
          c.agentVersion !== pkg.version &&
          (options.allowDowngrade === true || compareAgentVersions(pkg.version, c.agentVersion) > 0),
      );
      const from = new Map(clients.map((c) => [c.id, c.agentVersion]));
      const waves = selectWaves(id, [...from.keys()], canaryPercent);
      const upgrade: AgentUpgrade = {
        id,
        siteCode,
        version: pkg.version,
        state: clients.length === 0 ? 'complete' : 'canary',
        haltedFrom: null,
        canaryPercent,
        failureThresholdPercent: threshold,
        autoAdvance: options.autoAdvance === true,
        allowDowngrade: options.allowDowngrade === true,
        reason: clients.length === 0 ? 'no client needs this version' : null,
        createdAt: at,
        createdBy: actor,
        endedAt: clients.length === 0 ? at : null,
      };
      await this.repo.insertUpgrade(trx, upgrade);
      const row = (clientId: string, wave: UpgradeWave) => ({
        clientId,
        wave,
        status: 'selected' as const,
        fromVersion: from.get(clientId) ?? '',
        updatedAt: at,
      });
      await this.repo.insertClients(trx, id, [
        ...waves.canary.map((c) => row(c, 'canary')),
        ...waves.rest.map((c) => row(c, 'rest')),
      ]);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'upgrade.start',
        oldValue: null,
        newValue: {
          id,
          version: pkg.version,
          canaryPercent,
          failureThresholdPercent: threshold,
          canary: waves.canary.length,
          rest: waves.rest.length,
        },
        outcome: upgrade.state,
      });
    });
    this.deps.onChanged?.(siteCode);
    return this.progress(id);
  }

  async find(id: string): Promise<AgentUpgrade> {
    const upgrade = await this.repo.findUpgrade(id);
    if (upgrade === undefined) throw new SiteportError('E_UPGRADE_NOT_FOUND', `no agent upgrade ${id}`);
    return upgrade;
  }

  async progress(id: string): Promise<UpgradeProgress> {
    const upgrade = await this.find(id);
    const waves = await this.repo.counts(id);
    return { upgrade, waves, failureRate: failureRate(total(waves)) };
  }

  async list(siteCode: string): Promise<UpgradeProgress[]> {
    const upgrades = await this.repo.upgrades(siteCode);
    return Promise.all(
      upgrades.map(async (upgrade) => {
        const waves = await this.repo.counts(upgrade.id);
        return { upgrade, waves, failureRate: failureRate(total(waves)) };
      }),
    );
  }

  /** waiting → rest: the administrator confirms the canaries. */
  advance(id: string, actor: string): Promise<UpgradeProgress> {
    return this.move(id, actor, 'upgrade.advance', (u) => (u.state === 'waiting' ? { state: 'rest' } : undefined));
  }

  /** canary, waiting or rest → halted: nobody new is offered the version. */
  halt(id: string, actor: string): Promise<UpgradeProgress> {
    return this.move(id, actor, 'upgrade.halt', (u) =>
      canMoveUpgrade(u.state, 'halted')
        ? { state: 'halted', haltedFrom: waveOf(u.state), reason: `halted by ${actor}` }
        : undefined,
    );
  }

  /** halted → the wave it halted in. */
  resume(id: string, actor: string): Promise<UpgradeProgress> {
    return this.move(id, actor, 'upgrade.resume', (u) =>
      u.state === 'halted'
        ? { state: u.haltedFrom === 'rest' ? 'rest' : 'canary', haltedFrom: null, reason: null }
        : undefined,
    );
  }

  /** Any state but rolled back → rolled-back: upgraded clients are offered to go back to the version they ran before. */
  rollBack(id: string, actor: string): Promise<UpgradeProgress> {
    return this.move(id, actor, 'upgrade.roll-back', (u) =>
      canMoveUpgrade(u.state, 'rolled-back') ? { state: 'rolled-back', reason: `rolled back by ${actor}` } : undefined,
    );
  }

  private async move(
    id: string,
    actor: string,
    action: string,
    next: (
      u: AgentUpgrade,
    ) => { state: UpgradeState; haltedFrom?: UpgradeWave | null; reason?: string | null } | undefined,
  ): Promise<UpgradeProgress> {
    const at = this.now().toISOString();
    const upgrade = await this.deps.db.transaction().execute(async (trx) => {
      const u = await this.repo.findUpgrade(id, trx);
      if (u === undefined) throw new SiteportError('E_UPGRADE_NOT_FOUND', `no agent upgrade ${id}`);
      const to = next(u);
      if (to === undefined)
        throw new SiteportError(
          'E_UPGRADE_STATE',
          `upgrade ${id} is ${u.state}; ${action.slice(8)} is not possible now`,
        );
      await this.transition(trx, u, to, actor, action, at);
      return u;
    });
    this.deps.onChanged?.(upgrade.siteCode);
    return this.progress(id);
  }

  private async transition(
    trx: Trx,
    u: AgentUpgrade,
    to: { state: UpgradeState; haltedFrom?: UpgradeWave | null; reason?: string | null },
    actor: string,
    action: string,
    at: string,
  ): Promise<void> {
    const ended = to.state === 'complete' || to.state === 'rolled-back';
    await this.repo.updateUpgrade(trx, u.id, {
      state: to.state,
      haltedFrom: to.haltedFrom === undefined ? u.haltedFrom : to.haltedFrom,
      reason: to.reason === undefined ? u.reason : to.reason,
      endedAt: ended ? at : null,
    });
    await this.deps.audit.append(trx, {
      at,
      actor,
      siteCode: u.siteCode,
      action,
      oldValue: { id: u.id, version: u.version, state: u.state },
      newValue: { id: u.id, version: u.version, state: to.state, ...(to.reason ? { reason: to.reason } : {}) },
      outcome: to.state,
    });
  }

  /** The site's upgrade the policy announces (agents then ask for their offer), if any. */
  async announced(siteCode: string): Promise<{ id: string } | undefined> {
    const open = await this.repo.openUpgrade(siteCode);
    if (open !== undefined && offeredWaves(open.state).length > 0) return { id: open.id };
    const last = await this.repo.lastRolledBack(siteCode);
    return last === undefined ? undefined : { id: last.id };
  }

  /** What one client is offered: the open upgrade's version in its wave, or to revert a rolled-back one. */
  async offerFor(siteCode: string, clientId: string): Promise<UpgradeOffer | null> {
    const key = await this.repo.releaseKey(siteCode);
    if (key === undefined) return null;
    const open = await this.repo.openUpgrade(siteCode);
    if (open !== undefined) {
      const client = await this.repo.client(open.id, clientId);
      if (client === undefined || !offeredWaves(open.state).includes(client.wave)) return null;
      if (client.status !== 'selected' && client.status !== 'offered') return null;
      const pkg = await this.repo.findPackage(siteCode, open.version);
      if (pkg === undefined) return null;
      if (client.status === 'selected')
        await this.repo.setClientStatus(this.deps.db, open.id, clientId, 'offered', null, this.now().toISOString());
      return offer(open, 'install', pkg, key.publicKey);
    }
    const last = await this.repo.lastRolledBack(siteCode);
    if (last === undefined) return null;
    const client = await this.repo.client(last.id, clientId);
    if (client?.status !== 'upgraded') return null;
    const pkg = await this.repo.findPackage(siteCode, last.version);
    return pkg === undefined ? null : offer(last, 'revert', pkg, key.publicKey);
  }

  /** One part of a package, for a client that is offered it. */
  async packagePart(siteCode: string, clientId: string, version: string, part: number): Promise<UpgradePackagePart> {
    const offered = await this.offerFor(siteCode, clientId);
    if (offered?.action !== 'install' || offered.version !== version)
      throw new SiteportError('E_UPGRADE_NOT_FOUND', `version ${version} is not offered to this client`);
    if (!Number.isInteger(part) || part < 0 || part >= offered.parts)
      throw new SiteportError('E_UPGRADE_NOT_FOUND', `the package has parts 0 to ${offered.parts - 1}`);
    const pkg = await this.repo.findPackage(siteCode, version);
    if (pkg === undefined) throw new SiteportError('E_UPGRADE_NOT_FOUND', `no package of version ${version}`);
    const from = part * UPGRADE_PART_BYTES;
    const to = Math.min(from + UPGRADE_PART_BYTES, pkg.bytes);
    const bytes = await this.repo.packageSlice(siteCode, version, from, to);
    if (bytes === undefined) throw new SiteportError('E_UPGRADE_NOT_FOUND', `no package of version ${version}`);
    return {
      version,
      part,
      parts: offered.parts,
      data: bytes.toString('base64'),
      ...(part === 0 ? { signature: pkg.signature } : {}),
    };
  }

  /**
   * A client's report: stores its outcome and running version, then halts the upgrade when the
   * failure rate passes the threshold, or moves it on when the wave has answered.
   */
  async report(siteCode: string, clientId: string, report: UpgradeReport): Promise<void> {
    const at = this.now().toISOString();
    let changed = false;
    await this.deps.db.transaction().execute(async (trx) => {
      await this.repo.setAgentVersion(trx, clientId, report.runningVersion);
      const u = await this.repo.findUpgrade(report.upgradeId, trx);
      if (u?.siteCode !== siteCode) return;
      const client = await this.repo.client(u.id, clientId, trx);
      // Only a client that was offered the version reports on it; the same report twice changes nothing.
      if (client === undefined || client.status === 'selected' || client.status === report.outcome) return;
      await this.repo.setClientStatus(trx, u.id, clientId, report.outcome, report.detail ?? null, at);
      const waves = await this.repo.counts(u.id, trx);
      const all = total(waves);
      const threshold = u.failureThresholdPercent / 100;
      if ((u.state === 'canary' || u.state === 'waiting' || u.state === 'rest') && passesThreshold(all, threshold)) {
        const reason = `failure rate ${Math.round(failureRate(all) * 100)} % passed the threshold of ${u.failureThresholdPercent} %`;
        await this.transition(
          trx,
          u,
          { state: 'halted', haltedFrom: waveOf(u.state), reason },
          'system',
          'upgrade.halt',
          at,
        );
        changed = true;
      } else if (u.state === 'canary' && allAnswered(waves.canary)) {
        await this.transition(
          trx,
          u,
          { state: u.autoAdvance ? 'rest' : 'waiting' },
          'system',
          'upgrade.canary-done',
          at,
        );
        changed = true;
      } else if (u.state === 'rest' && all.offered >= waves.canary.selected + waves.rest.selected && allAnswered(all)) {
        await this.transition(trx, u, { state: 'complete', reason: null }, 'system', 'upgrade.complete', at);
        changed = true;
      }
    });
    if (changed) this.deps.onChanged?.(siteCode);
  }
}

function waveOf(state: UpgradeState): UpgradeWave {
  return state === 'rest' ? 'rest' : 'canary';
}

function total(waves: Record<UpgradeWave, UpgradeCounts>): UpgradeCounts {
  return {
    offered: waves.canary.offered + waves.rest.offered,
    upgraded: waves.canary.upgraded + waves.rest.upgraded,
    failed: waves.canary.failed + waves.rest.failed,
    rolledBack: waves.canary.rolledBack + waves.rest.rolledBack,
  };
}

function offer(u: AgentUpgrade, action: 'install' | 'revert', pkg: StoredPackage, releaseKey: string): UpgradeOffer {
  return {
    upgradeId: u.id,
    action,
    version: pkg.version,
    sha256: pkg.sha256,
    bytes: pkg.bytes,
    parts: Math.ceil(pkg.bytes / UPGRADE_PART_BYTES),
    allowDowngrade: u.allowDowngrade,
    releaseKey,
  };
}
