import type { Kysely, SiteDatabase } from '@siteport/db';
import { type GatewayAddress, type GatewayView, SiteportError, isHostName } from '@siteport/protocol';
import type { AuditRepository, SiteEvents } from '../site/index.js';

/** The gateway of a site, or undefined: what every MP process's policy announces. */
export async function gatewayAddress(db: Kysely<SiteDatabase>, siteCode: string): Promise<GatewayAddress | undefined> {
  const row = await db
    .selectFrom('gateway_settings')
    .select(['host', 'port'])
    .where('site_code', '=', siteCode)
    .executeTakeFirst();
  return row === undefined ? undefined : { host: row.host, port: row.port };
}

/** What a settings change needs besides the database: the audit log and the bus that rebuilds policy. */
export interface GatewaySettingsDeps {
  db: Kysely<SiteDatabase>;
  audit: AuditRepository;
  events: SiteEvents;
  /** The stored port settings version of a site: policy is rebuilt under it (the gateway is not a port change). */
  portsVersion: (siteCode: string) => Promise<number>;
}

/**
 * A site's gateway setting (decision 0113): the public host name and port clients outside the
 * network reach the site through. Every change is audited and rebuilds the policy of every MP
 * process, which announces the gateway to clients.
 */
export class GatewaySettings {
  constructor(private readonly deps: GatewaySettingsDeps) {}

  /** The gateway of a site, or undefined: what policy announces. */
  address(siteCode: string): Promise<GatewayAddress | undefined> {
    return gatewayAddress(this.deps.db, siteCode);
  }

  async view(siteCode: string): Promise<GatewayView> {
    const row = await this.deps.db
      .selectFrom('gateway_settings')
      .selectAll()
      .where('site_code', '=', siteCode)
      .executeTakeFirst();
    return row === undefined
      ? { siteCode, gateway: null, updatedAt: null, updatedBy: null }
      : {
          siteCode,
          gateway: { host: row.host, port: row.port },
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        };
  }

  /** Sets the gateway; the host must be a DNS name or an IP address (the schema checked its characters). */
  async set(siteCode: string, gateway: GatewayAddress, actor: string): Promise<GatewayView> {
    if (!isHostName(gateway.host)) {
      throw new SiteportError(
        'E_VALIDATION',
        `gateway host ${JSON.stringify(gateway.host)} is not a DNS name or an IP address; give the name clients outside the network resolve`,
        { details: { field: 'host' } },
      );
    }
    const before = await this.view(siteCode);
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      const values = { host: gateway.host, port: gateway.port, updated_at: at, updated_by: actor };
      if (before.gateway === null) {
        await trx
          .insertInto('gateway_settings')
          .values({ site_code: siteCode, ...values })
          .execute();
      } else {
        await trx.updateTable('gateway_settings').set(values).where('site_code', '=', siteCode).execute();
      }
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'gateway.set',
        oldValue: before.gateway,
        newValue: gateway,
        outcome: 'ok',
      });
    });
    await this.announce(siteCode);
    return this.view(siteCode);
  }

  /** Removes the gateway: clients stop using it with their next policy. */
  async clear(siteCode: string, actor: string): Promise<GatewayView> {
    const before = await this.view(siteCode);
    if (before.gateway === null) {
      throw new SiteportError('E_GATEWAY_NOT_CONFIGURED', `site ${siteCode} has no gateway to remove`);
    }
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('gateway_settings').where('site_code', '=', siteCode).execute();
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'gateway.clear',
        oldValue: before.gateway,
        newValue: null,
        outcome: 'ok',
      });
    });
    await this.announce(siteCode);
    return this.view(siteCode);
  }

  /** Every MP process rebuilds its policy (the ports-changed event carries that across processes). */
  private async announce(siteCode: string): Promise<void> {
    await this.deps.events.portsChanged(siteCode, await this.deps.portsVersion(siteCode));
  }
}
