// Over 300 lines: registering secondaries, keeping peer primaries and fanning a change out to them share the peer tokens and the audit; those three are the split when it grows.
import diagnostics from 'node:diagnostics_channel';
import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type AddPeerPrimaryBody,
  type ApplyAllResult,
  type ParentLinkView,
  type PeerPrimaryView,
  type PortChange,
  type PortChangeResult,
  type RegisterSecondaryBody,
  type SecondarySyncBody,
  type SecondarySyncResponse,
  type SiteChangeOutcome,
  type CreatedToken,
  type SessionView,
  type SiteView,
  SiteportError,
  isEmptyChange,
  isSiteportError,
} from '@siteport/protocol';
import type { AuditRepository, SiteEvents, SiteRecord, SiteRepository } from '../site/index.js';
import type { ApiTokens } from '../tokens/index.js';
import type { PortSettingsService } from '../ports/index.js';
import type { HierarchyRepository, SecondaryRecord } from './hierarchy-repository.js';
import { callPeer } from './peer-client.js';
import type { PeerTokens } from './peer-tokens.js';
import { portsEtag } from './ports-etag.js';

const secondaryChannel = diagnostics.channel('siteport:hierarchy:secondary');

/** A secondary that has not called for this long is shown as silent. */
const SILENT_AFTER_MS = 90_000;

/**
 * The hierarchy as this server sees it: the secondaries attached to its primary site
 * (registration, long-poll sync, listing), its peer primaries, and a port change applied to every
 * primary site as one action.
 */
export class HierarchyService {
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly deps: {
      siteCode: string;
      db: Kysely<SiteDatabase>;
      repo: HierarchyRepository;
      sites: SiteRepository;
      ports: PortSettingsService;
      audit: AuditRepository;
      events: SiteEvents;
      tokens: PeerTokens;
      /** Issues the `secondary` link tokens of attached secondaries (decision 0094). */
      apiTokens: ApiTokens;
      /** Applies a change to this server's own site (the rollout service's `PATCH /sites/{code}/ports`). */
      change: (siteCode: string, change: PortChange, actor: string) => Promise<PortChangeResult>;
      /** The secondary side's link to its primary, when this server runs a secondary site. */
      parentLink?: () => ParentLinkView;
    },
  ) {}

  private async primarySite(code: string): Promise<SiteRecord> {
    const site = await this.deps.ports.site(code);
    if (site.kind !== 'primary') {
      throw new SiteportError(
        'E_HIERARCHY',
        `site ${code} is a secondary site; attach secondaries to a primary site (here: ${site.parentCode ?? 'none'})`,
      );
    }
    return site;
  }

  /**
   * Attaches (or re-attaches) a secondary site to a primary on this server. A secondary that called
   * with a broader credential than its own link token gets a fresh `secondary` token limited to the
   * primary and itself (the previous one of its name is revoked), to use from then on.
   */
  async registerSecondary(
    primary: string,
    body: RegisterSecondaryBody,
    caller: { actor: string; role: string },
  ): Promise<SecondarySyncResponse> {
    const { actor } = caller;
    await this.primarySite(primary);
    if (body.siteCode === primary)
      throw new SiteportError(
        'E_HIERARCHY',
        `a secondary site cannot have its primary's code ${primary}; start it with another --site-code`,
      );
    if (
      (await this.deps.sites.listCodes()).includes(body.siteCode) ||
      (await this.peerCodes()).includes(body.siteCode)
    ) {
      throw new SiteportError(
        'E_HIERARCHY',
        `site code ${body.siteCode} is already a primary site of the hierarchy; give the secondary its own code`,
      );
    }
    const existing = (await this.deps.repo.secondaries()).find((s) => s.code === body.siteCode);
    if (existing !== undefined && existing.parentCode !== primary) {
      throw new SiteportError(
        'E_HIERARCHY',
        `site ${body.siteCode} is attached to primary ${existing.parentCode}, not ${primary}`,
      );
    }
    const at = new Date().toISOString();
    const view = await this.deps.ports.view(primary);
    const record: SecondaryRecord = {
      code: body.siteCode,
      parentCode: primary,
      adminUrl: body.adminUrl,
      caFingerprint: body.caFingerprint,
      registeredAt: existing?.registeredAt ?? at,
      lastSeenAt: at,
      syncedVersion: existing?.syncedVersion ?? 0,
      status: existing?.status ?? null,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.upsertSecondary(trx, record);
      if (existing === undefined) {
        await this.deps.audit.append(trx, {
          at,
          actor,
          siteCode: primary,
          action: 'hierarchy.secondary-attach',
          oldValue: null,
          newValue: { siteCode: body.siteCode, adminUrl: body.adminUrl },
          outcome: 'applied',
        });
      }
    });
    secondaryChannel.publish({
      event: existing === undefined ? 'attached' : 'reattached',
      primary,
      siteCode: body.siteCode,
    });
    const link =
      caller.role === 'secondary'
        ? undefined
        : await this.deps.apiTokens.replace(
            {
              name: `secondary-${body.siteCode}`,
              role: 'secondary',
              sites: [primary, body.siteCode].sort(),
              expiresAt: null,
            },
            actor,
          );
    return {
      primary,
      etag: portsEtag(view),
      changed: true,
      ports: view,
      ...(link === undefined ? {} : { linkToken: link.secret }),
    };
  }

  /** A secondary's long poll: answers at once when its etag is stale, else at the next change or after `waitSeconds`. */
  async sync(primary: string, code: string, body: SecondarySyncBody): Promise<SecondarySyncResponse> {
    await this.primarySite(primary);
    if (!(await this.deps.repo.touchSecondary(code, new Date().toISOString(), body.status))) {
      throw new SiteportError(
        'E_SITE_NOT_FOUND',
        `site ${code} is not attached to ${primary}; register it first (POST /api/v1/sites/${primary}/secondaries)`,
      );
    }
    let view = await this.deps.ports.view(primary);
    if (portsEtag(view) === body.knownEtag && body.waitSeconds > 0) {
      await this.waitForChange(primary, body.waitSeconds * 1000);
      view = await this.deps.ports.view(primary);
    }
    const etag = portsEtag(view);
    return { primary, etag, changed: etag !== body.knownEtag, ports: view };
  }

  private waitForChange(primary: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.deps.events.off('ports-changed', onChange);
        this.waiters.delete(done);
        resolve();
      };
      const onChange = (code: string): void => {
        if (code === primary) done();
      };
      const timer = setTimeout(done, ms);
      this.deps.events.on('ports-changed', onChange);
      this.waiters.add(done);
    });
  }

  /** Releases every held long poll (on shutdown). */
  releaseWaiters(): void {
    for (const done of [...this.waiters]) done();
  }

  /** The secondaries as site views, with what each last reported. */
  async secondaryViews(primary?: string): Promise<SiteView[]> {
    const primaryVersion = new Map<string, number>();
    const now = Date.now();
    const views: SiteView[] = [];
    for (const s of await this.deps.repo.secondaries(primary)) {
      if (!primaryVersion.has(s.parentCode))
        primaryVersion.set(s.parentCode, (await this.deps.ports.stored(s.parentCode)).version);
      const silent = now - Date.parse(s.lastSeenAt) > SILENT_AFTER_MS;
      views.push({
        siteCode: s.code,
        name: `Site ${s.code}`,
        kind: 'secondary',
        parentCode: s.parentCode,
        policyIntervalSeconds: s.status?.policyIntervalSeconds ?? 0,
        activeWindowSeconds: s.status?.activeWindowSeconds ?? 0,
        caFingerprint: s.caFingerprint,
        clients: s.status?.clients ?? { total: 0, active: 0 },
        listeners: s.status?.listeners ?? [],
        sync: {
          adminUrl: s.adminUrl,
          registeredAt: s.registeredAt,
          lastSeenAt: s.lastSeenAt,
          syncedVersion: s.syncedVersion,
          state: silent ? 'silent' : s.syncedVersion === primaryVersion.get(s.parentCode) ? 'in-sync' : 'behind',
        },
      });
    }
    return views;
  }

  /** `GET /api/v1/hierarchy`. */
  async view(): Promise<{
    siteCode: string;
    kind: 'primary' | 'secondary';
    parent: ParentLinkView | null;
    secondaries: SiteView[];
    primaries: PeerPrimaryView[];
  }> {
    const site = await this.deps.ports.site(this.deps.siteCode);
    return {
      siteCode: site.code,
      kind: site.kind,
      parent: this.deps.parentLink?.() ?? null,
      secondaries: await this.secondaryViews(),
      primaries: await this.peerViews(),
    };
  }

  private async peerCodes(): Promise<string[]> {
    return (await this.deps.repo.peers()).map((p) => p.siteCode);
  }

  async peerViews(): Promise<PeerPrimaryView[]> {
    return (await this.deps.repo.peers()).map((p) => ({
      siteCode: p.siteCode,
      url: p.url,
      addedAt: p.addedAt,
      addedBy: p.addedBy,
    }));
  }

  /**
   * Adds a peer primary after proving the URL and token work and that it runs a primary site. An
   * administrator token of the peer is not kept: it creates a `peer` token limited to the peer's own
   * site on the peer (decision 0094), and only that one is stored.
   */
  async addPeer(body: AddPeerPrimaryBody & { url: string }, actor: string): Promise<PeerPrimaryView> {
    await this.primarySite(this.deps.siteCode);
    const given = { url: body.url, token: body.token, caCertificate: body.caCertificate ?? null };
    const health = await callPeer<{ siteCode: string }>(given, 'GET', '/health');
    if (health.siteCode === this.deps.siteCode)
      throw new SiteportError(
        'E_HIERARCHY',
        `${body.url} is this site (${this.deps.siteCode}) itself, not a peer primary`,
      );
    const ports = await callPeer<{ inheritedFrom?: string }>(given, 'GET', `/sites/${health.siteCode}/ports`);
    if (ports.inheritedFrom !== undefined) {
      throw new SiteportError(
        'E_HIERARCHY',
        `${body.url} runs secondary site ${health.siteCode}; only primary sites are peers (secondaries follow their primary)`,
      );
    }
    const who = await callPeer<SessionView>(given, 'GET', '/session');
    let token = body.token;
    if (who.role === 'administrator' && who.sites === null) {
      const name = `peer-${this.deps.siteCode}`;
      await callPeer(given, 'DELETE', `/tokens/${name}`).catch((error: unknown) => {
        if (!isSiteportError(error, 'E_TOKEN_NOT_FOUND')) throw error;
      });
      token = (await callPeer<CreatedToken>(given, 'POST', '/tokens', { name, role: 'peer', sites: [health.siteCode] }))
        .secret;
    }
    const at = new Date().toISOString();
    await this.deps.tokens.set(health.siteCode, token);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.upsertPeer(trx, {
        siteCode: health.siteCode,
        url: body.url,
        caCertificate: body.caCertificate ?? null,
        addedAt: at,
        addedBy: actor,
      });
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: this.deps.siteCode,
        action: 'hierarchy.peer-add',
        oldValue: null,
        newValue: { siteCode: health.siteCode, url: body.url },
        outcome: 'applied',
      });
    });
    return { siteCode: health.siteCode, url: body.url, addedAt: at, addedBy: actor };
  }

  async removePeer(code: string, actor: string): Promise<{ removed: string }> {
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.repo.removePeer(trx, code)))
        throw new SiteportError('E_NOT_FOUND', `no peer primary ${code}; see GET /api/v1/hierarchy/primaries`);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: this.deps.siteCode,
        action: 'hierarchy.peer-remove',
        oldValue: { siteCode: code },
        newValue: null,
        outcome: 'applied',
      });
    });
    await this.deps.tokens.set(code, undefined);
    return { removed: code };
  }

  /**
   * Applies one change to this primary site and every peer primary ("for every primary
   * site"), in parallel; each site's outcome is reported on its own, so one failure hides nothing.
   */
  async applyToAllPrimaries(change: PortChange, actor: string, selfUrl: string): Promise<ApplyAllResult> {
    if (change.expectedVersion !== undefined) {
      throw new SiteportError(
        'E_VALIDATION',
        'expectedVersion is per site and cannot be used for a change of every primary site; leave it out',
      );
    }
    if (isEmptyChange(change))
      throw new SiteportError('E_VALIDATION', 'nothing to change: name at least one item, e.g. http=8080');
    await this.primarySite(this.deps.siteCode);
    const self = this.deps.change(this.deps.siteCode, change, actor).then(
      (r) => ok(this.deps.siteCode, selfUrl, r),
      (e: unknown) => failed(this.deps.siteCode, selfUrl, e),
    );
    const peers = (await this.deps.repo.peers()).map(async (peer): Promise<SiteChangeOutcome> => {
      const token = await this.deps.tokens.get(peer.siteCode);
      if (token === undefined)
        return failed(
          peer.siteCode,
          peer.url,
          new SiteportError('E_HIERARCHY', `no token stored for peer ${peer.siteCode}; add it again`),
        );
      try {
        // The peer audits this site's peer token as the actor; who asked here is in this site's audit entry.
        const r = await callPeer<PortChangeResult>(
          { url: peer.url, token, caCertificate: peer.caCertificate },
          'PATCH',
          `/sites/${peer.siteCode}/ports`,
          change,
          {
            timeoutMs: 30_000,
          },
        );
        return ok(peer.siteCode, peer.url, r);
      } catch (error) {
        return failed(peer.siteCode, peer.url, error);
      }
    });
    const results = [await self, ...(await Promise.all(peers))];
    const result = {
      succeeded: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
      results,
    };
    await this.deps.audit.append(this.deps.db, {
      at: new Date().toISOString(),
      actor,
      siteCode: this.deps.siteCode,
      action: 'ports.change-all-primaries',
      oldValue: null,
      newValue: {
        change,
        sites: results.map((r) => ({
          siteCode: r.siteCode,
          ok: r.ok,
          version: r.ports?.version,
          error: r.error?.code,
        })),
      },
      outcome: result.failed === 0 ? 'applied' : result.succeeded === 0 ? 'failed' : 'partial',
    });
    return result;
  }
}

function ok(siteCode: string, url: string, r: PortChangeResult): SiteChangeOutcome {
  return {
    siteCode,
    url,
    ok: true,
    ports: r.ports,
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
  };
}

function failed(siteCode: string, url: string, error: unknown): SiteChangeOutcome {
  if (isSiteportError(error)) return { siteCode, url, ok: false, error: { code: error.code, message: error.message } };
  // Reported in the result rather than thrown, so the other sites' outcomes still reach the caller.
  return {
    siteCode,
    url,
    ok: false,
    error: { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) },
  };
}
