import { type InterfaceInventory, MP_PREFIX } from '@siteport/protocol';
import type { IdentityKey } from '../identity-key.js';
import type { MpTransport } from '../mp-transport.js';
import type { SessionKeeper } from '../session/session-keeper.js';

/** `POST /mp/v1/inventory`, with the session MAC (or signed): reports the client's interfaces for Wake-on-LAN. */
export async function reportInventory(
  transport: MpTransport,
  sessions: SessionKeeper,
  clientId: string,
  key: IdentityKey,
  interfaces: InterfaceInventory[],
): Promise<void> {
  await sessions.request(transport, { clientId, privateKey: key.privateKey }, () => ({
    method: 'POST',
    path: `${MP_PREFIX}/inventory`,
    body: { interfaces },
  }));
}
