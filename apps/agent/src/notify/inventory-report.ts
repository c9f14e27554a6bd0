import { type InterfaceInventory, MP_PREFIX } from '@siteport/protocol';
import type { IdentityKey } from '../identity-key.js';
import type { MpTransport } from '../mp-transport.js';
import { createRequestSigner } from '../request-signer.js';

/** `POST /mp/v1/inventory` (signed): reports the client's interfaces for Wake-on-LAN. */
export async function reportInventory(transport: MpTransport, clientId: string, key: IdentityKey, interfaces: InterfaceInventory[]): Promise<void> {
  await transport.request({
    method: 'POST',
    path: `${MP_PREFIX}/inventory`,
    body: { interfaces },
    signer: createRequestSigner(clientId, key.privateKey),
  });
}
