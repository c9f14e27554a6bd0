import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import {
  MAX_AGENT_PACKAGE_BYTES,
  SiteportError,
  type UpgradeOffer,
  type UpgradeOutcome,
  type UpgradePackagePart,
  type UpgradeReport,
  isSiteportError,
} from '@siteport/protocol';
import { BUNDLE_AGENT_SCRIPT } from './bundle-layout.js';
import { releaseKeyFingerprint, verifyPackage } from './package-verify.js';
import { readPackageEntries } from './safe-untar.js';
import { VersionPointerStore } from './version-pointer.js';

/** The upgrade calls of the MP, bound to this client's identity. */
export interface UpgradeChannel {
  offer(): Promise<UpgradeOffer | null>;
  part(version: string, part: number): Promise<UpgradePackagePart>;
  report(body: UpgradeReport): Promise<void>;
}

/** The offer this agent acted on, until it reported how it ended (`upgrade.json`). */
interface PendingUpgrade {
  upgradeId: string;
  version: string;
}

const PENDING_FILE = 'upgrade.json';

/**
 * The agent's side of an upgrade, run after every successful check-in (decision 0111): confirms a
 * version on trial (it just reached an MP), reports what became of the last offer, and when policy
 * names an upgrade asks for this client's offer; an offered package is downloaded in parts over the
 * authenticated MP channel, checked (size, signer pinned at setup, signature, SHA-256, version, no
 * unasked downgrade) and its entries checked before anything is written, installed beside the
 * running version and activated on trial. Returns `restart` when the launcher should start the
 * version the pointer now names.
 */
export class AgentUpgrader {
  private readonly pointer: VersionPointerStore;
  /** Offers that failed in this process: not tried again until the agent restarts. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly deps: {
      stateDir: string;
      runningVersion: string;
      /** SMSRELEASEKEY from client.json. */
      releaseKeyFingerprint: () => string | null;
      /** How long a new version has to reach an MP before the launcher rolls it back. */
      trialMs: number;
      logger: Logger;
      /** Whether a launcher runs this agent (nobody would start the new version otherwise). */
      launched?: boolean;
    },
  ) {
    this.pointer = new VersionPointerStore(deps.stateDir);
  }

  private get pendingFile(): string {
    return path.join(this.pointer.dir, PENDING_FILE);
  }

  private readPending(): PendingUpgrade | undefined {
    if (!existsSync(this.pendingFile)) return undefined;
    try {
      const value = JSON.parse(readFileSync(this.pendingFile, 'utf8')) as Partial<PendingUpgrade>;
      return typeof value.upgradeId === 'string' && typeof value.version === 'string'
        ? { upgradeId: value.upgradeId, version: value.version }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs after a successful check-in; `hint` is the upgrade policy announces. */
  async afterCheckIn(channel: UpgradeChannel, hint: { id: string } | undefined): Promise<'restart' | 'none'> {
    await this.settle(channel);
    if (hint === undefined) return 'none';
    const offer = await channel.offer();
    if (offer === null || this.failed.has(offer.upgradeId)) return 'none';
    return offer.action === 'revert' ? this.revert(channel, offer) : this.install(channel, offer);
  }

  /** Confirms a trial version and reports the outcome of the last offer acted on. */
  private async settle(channel: UpgradeChannel): Promise<void> {
    const running = this.deps.runningVersion;
    let pointer = this.pointer.read();
    if (pointer.trial !== null && pointer.current === running) {
      this.pointer.confirm();
      this.deps.logger.info({ version: running }, 'the new agent version reached a management point; keeping it');
      pointer = this.pointer.read();
    }
    const pending = this.readPending();
    if (pointer.rolledBack !== null) {
      const { rolledBack } = pointer;
      if (pending !== undefined) {
        const outcome: UpgradeOutcome = rolledBack.reason === 'reverted' ? 'reverted' : 'rolled-back';
        await this.report(
          channel,
          pending,
          outcome,
          `${rolledBack.from} went back to ${rolledBack.to ?? 'the installed agent'} (${rolledBack.reason})`,
        );
        rmSync(this.pendingFile, { force: true });
      }
      this.pointer.clearRollback();
      return;
    }
    if (pending !== undefined && pending.version === running && pointer.trial === null) {
      await this.report(channel, pending, 'upgraded');
      rmSync(this.pendingFile, { force: true });
    }
  }

  private async revert(channel: UpgradeChannel, offer: UpgradeOffer): Promise<'restart' | 'none'> {
    const pending = { upgradeId: offer.upgradeId, version: offer.version };
    const pointer = this.pointer.read();
    if (pointer.current !== offer.version || this.deps.runningVersion !== offer.version) {
      await this.report(channel, pending, 'reverted', 'this client no longer runs the version');
      return 'none';
    }
    writeFileAtomicSync(this.pendingFile, JSON.stringify(pending), 0o600);
    this.pointer.rollBack('reverted');
    this.deps.logger.info({ from: offer.version, to: pointer.previous }, 'going back to the previous agent version');
    return 'restart';
  }

  private async install(channel: UpgradeChannel, offer: UpgradeOffer): Promise<'restart' | 'none'> {
    const pending = { upgradeId: offer.upgradeId, version: offer.version };
    if (offer.version === this.deps.runningVersion) {
      await this.report(channel, pending, 'upgraded');
      return 'none';
    }
    try {
      if (this.deps.launched !== true)
        throw new SiteportError(
          'E_UPGRADE_PACKAGE',
          'the agent is not run by its launcher (siteport-agent launch), which would start the new version',
        );
      const data = await this.download(channel, offer);
      const signature = data.signature;
      const pinned = this.deps.releaseKeyFingerprint();
      if (pinned === null)
        throw new SiteportError(
          'E_UPGRADE_PACKAGE',
          'no release key is pinned; rerun setup with SMSRELEASEKEY=<fingerprint>',
        );
      if (releaseKeyFingerprint(offer.releaseKey) !== pinned)
        throw new SiteportError(
          'E_UPGRADE_PACKAGE',
          'the release key the site names is not the one pinned at setup (SMSRELEASEKEY)',
        );
      verifyPackage(data.bytes, signature, {
        releaseKeyPem: offer.releaseKey,
        version: offer.version,
        runningVersion: this.deps.runningVersion,
        allowDowngrade: offer.allowDowngrade,
      });
      const entries = readPackageEntries(data.bytes, `siteport-agent-${offer.version}`);
      if (!entries.some((e) => e.type === 'file' && e.path === BUNDLE_AGENT_SCRIPT))
        throw new SiteportError('E_UPGRADE_PACKAGE', `the package has no ${BUNDLE_AGENT_SCRIPT}`);
      this.pointer.install(offer.version, entries);
      writeFileAtomicSync(this.pendingFile, JSON.stringify(pending), 0o600);
      this.pointer.activate(offer.version, this.deps.trialMs);
      this.deps.logger.info(
        { version: offer.version, trialMs: this.deps.trialMs },
        'installed a new agent version; restarting into it',
      );
      return 'restart';
    } catch (error) {
      this.failed.add(offer.upgradeId);
      const code = isSiteportError(error) ? error.code : 'E_INTERNAL';
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ code, version: offer.version }, `agent upgrade refused: ${message}`);
      await this.report(channel, pending, 'failed', `${code}: ${message}`);
      return 'none';
    }
  }

  /** Downloads every part, bounded by the offer's size (itself bounded), and joins them. */
  private async download(channel: UpgradeChannel, offer: UpgradeOffer): Promise<{ bytes: Buffer; signature: string }> {
    if (offer.bytes > MAX_AGENT_PACKAGE_BYTES)
      throw new SiteportError(
        'E_UPGRADE_TOO_LARGE',
        `the package is ${offer.bytes} bytes; at most ${MAX_AGENT_PACKAGE_BYTES} are accepted`,
      );
    const chunks: Buffer[] = [];
    let total = 0;
    let signature: string | undefined;
    for (let part = 0; part < offer.parts; part += 1) {
      const answer = await channel.part(offer.version, part);
      const chunk = Buffer.from(answer.data, 'base64');
      total += chunk.length;
      if (total > offer.bytes)
        throw new SiteportError('E_UPGRADE_TOO_LARGE', `the download passed the ${offer.bytes} bytes the offer named`);
      if (part === 0) signature = answer.signature;
      chunks.push(chunk);
    }
    if (signature === undefined) throw new SiteportError('E_UPGRADE_PACKAGE', 'the package came without its signature');
    return { bytes: Buffer.concat(chunks), signature };
  }

  private async report(
    channel: UpgradeChannel,
    pending: PendingUpgrade,
    outcome: UpgradeOutcome,
    detail?: string,
  ): Promise<void> {
    const clean = detail?.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 500);
    await channel.report({
      upgradeId: pending.upgradeId,
      version: pending.version,
      outcome,
      runningVersion: this.deps.runningVersion,
      ...(clean === undefined ? {} : { detail: clean }),
    });
  }
}
