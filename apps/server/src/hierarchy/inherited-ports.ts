import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { Kysely, SiteDatabase } from '@siteport/db';
import { type PortsView, SiteportError } from '@siteport/protocol';
import type { AuditRepository, SiteEvents, SiteRepository, StoredPorts } from '../site/index.js';
import type { ServedEndpoint } from '../ports/index.js';
import type { WebSiteRepository } from '../web/index.js';

const inheritChannel = diagnostics.channel('siteport:hierarchy:inherit');

/**
 * Writes a primary's port settings into a secondary site: settings, communication mode, version and
 * the overlap list, in one transaction with its audit entry; then tells the MP to reconcile.
 */
export class InheritedPorts {
  constructor(
    private readonly deps: {
      siteCode: string;
      db: Kysely<SiteDatabase>;
      sites: SiteRepository;
      web: WebSiteRepository;
      audit: AuditRepository;
      events: SiteEvents;
      logger: Logger;
    },
  ) {}

  /** Mirrors `view` (the primary's ports); returns whether anything changed here. */
  async apply(view: PortsView, primary: string): Promise<boolean> {
    const { siteCode, db } = this.deps;
    const before = await this.deps.sites.ports(siteCode);
    if (before === undefined) throw new SiteportError('E_INTERNAL', `site ${siteCode} has no port settings row`);
    const overlapRows = await db
      .selectFrom('inherited_overlaps')
      .select(['protocol', 'port', 'until'])
      .where('site_code', '=', siteCode)
      .orderBy('port')
      .execute();
    const same =
      before.version === view.version &&
      before.communicationMode === view.communicationMode &&
      JSON.stringify(overlapRows.map((o) => [o.protocol, o.port, o.until]).sort()) ===
        JSON.stringify(view.overlap.map((o) => [o.protocol, o.port, o.until]).sort());
    if (same) return false;
    const next: StoredPorts = {
      siteCode,
      settings: {
        http: { ...view.http },
        https: { ...view.https },
        notification: view.notification,
        wake: view.wake,
        customWebSite: view.customWebSite,
        descriptions: { ...view.descriptions },
      },
      communicationMode: view.communicationMode,
      version: view.version,
      updatedAt: view.updatedAt,
      updatedBy: `primary:${primary}`,
    };
    const at = new Date().toISOString();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('port_settings')
        .set({
          http_default: next.settings.http.default,
          http_alternate: next.settings.http.alternate,
          https_default: next.settings.https.default,
          https_alternate: next.settings.https.alternate,
          notification: next.settings.notification,
          wake: next.settings.wake,
          custom_web_site: next.settings.customWebSite ? 1 : 0,
          communication_mode: next.communicationMode,
          descriptions: JSON.stringify(next.settings.descriptions),
          version: next.version,
          updated_at: next.updatedAt,
          updated_by: next.updatedBy,
        })
        .where('site_code', '=', siteCode)
        .execute();
      await trx.deleteFrom('inherited_overlaps').where('site_code', '=', siteCode).execute();
      for (const o of view.overlap)
        await trx
          .insertInto('inherited_overlaps')
          .values({ site_code: siteCode, protocol: o.protocol, port: o.port, until: o.until })
          .execute();
      // The switch to SMSWeb leaves this site system's default web site where it was.
      if (!before.settings.customWebSite && next.settings.customWebSite) {
        await this.deps.web.setDefaultWebSite(
          trx,
          siteCode,
          { http: before.settings.http.default, https: before.settings.https.default },
          at,
        );
      }
      if (before.version !== next.version) {
        await this.deps.audit.append(trx, {
          at,
          actor: `primary:${primary}`,
          siteCode,
          action: 'ports.inherit',
          oldValue: { ...before.settings, communicationMode: before.communicationMode, version: before.version },
          newValue: { ...next.settings, communicationMode: next.communicationMode, version: next.version },
          outcome: 'applied',
        });
      }
    });
    inheritChannel.publish({ siteCode, primary, version: next.version });
    this.deps.logger.info(
      { primary, version: next.version, overlap: view.overlap.length },
      'applied the primary site port settings',
    );
    await this.deps.events.portsChanged(siteCode, next.version);
    return true;
  }
}

/** The inherited overlap as endpoints the secondary's MP serves (for `PortSettingsService.served`). */
export async function inheritedOverlap(db: Kysely<SiteDatabase>, siteCode: string): Promise<ServedEndpoint[]> {
  const rows = await db
    .selectFrom('inherited_overlaps')
    .selectAll()
    .where('site_code', '=', siteCode)
    .orderBy('port')
    .execute();
  return rows.map((r) => ({
    protocol: r.protocol,
    port: r.port,
    role: 'overlap' as const,
    item: `old ${r.protocol} (inherited)`,
    until: r.until,
  }));
}
