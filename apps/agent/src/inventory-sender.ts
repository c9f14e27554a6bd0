import type { MpTransport } from './mp-transport.js';
import type { IdentityKey } from './identity-key.js';
import { collectInterfaces } from './notify/inventory.js';
import { reportInventory } from './notify/inventory-report.js';
import type { SessionKeeper } from './session/session-keeper.js';

/** Reports this host's network interfaces when they changed since the last report (or when forced). */
export class InventorySender {
  private sent = '';

  constructor(
    private readonly transport: MpTransport,
    private readonly sessions: SessionKeeper,
  ) {}

  async send(clientId: string | null | undefined, key: () => IdentityKey, force: boolean): Promise<void> {
    if (clientId === null || clientId === undefined) return;
    const interfaces = collectInterfaces();
    const text = JSON.stringify(interfaces);
    if (!force && text === this.sent) return;
    await reportInventory(this.transport, this.sessions, clientId, key(), interfaces);
    this.sent = text;
  }
}
