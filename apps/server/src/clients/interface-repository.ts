import type { Kysely, SiteDatabase } from '@siteport/db';
import { type InterfaceInventory, ipv4Network } from '@siteport/protocol';

/** A stored client interface. */
export interface ClientInterface extends InterfaceInventory {
  clientId: string;
  network: string;
  reportedAt: string;
}

/** Client network interfaces from inventory: what Wake-on-LAN needs (MAC, address, subnet). */
export class InterfaceRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  /** Replaces everything a client reported before with its latest inventory, in one transaction. */
  async replace(clientId: string, interfaces: readonly InterfaceInventory[], at: string): Promise<void> {
    const seen = new Set<string>();
    const rows = interfaces
      .filter((i) => {
        const key = `${i.name}|${i.address}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((i) => ({
        client_id: clientId,
        name: i.name,
        mac: i.mac,
        address: i.address,
        prefix_length: i.prefixLength,
        network: ipv4Network(i.address, i.prefixLength),
        reported_at: at,
      }));
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('client_interfaces').where('client_id', '=', clientId).execute();
      if (rows.length > 0) await trx.insertInto('client_interfaces').values(rows).execute();
    });
  }

  async ofClient(clientId: string): Promise<ClientInterface[]> {
    const rows = await this.db
      .selectFrom('client_interfaces')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('name')
      .execute();
    return rows.map(toInterface);
  }

  /** Interfaces of any client on a subnet (`10.0.1.0/24`). */
  async onNetwork(network: string): Promise<ClientInterface[]> {
    const rows = await this.db.selectFrom('client_interfaces').selectAll().where('network', '=', network).execute();
    return rows.map(toInterface);
  }
}

function toInterface(row: SiteDatabase['client_interfaces']): ClientInterface {
  return {
    clientId: row.client_id,
    name: row.name,
    mac: row.mac,
    address: row.address,
    prefixLength: row.prefix_length,
    network: row.network,
    reportedAt: row.reported_at,
  };
}
