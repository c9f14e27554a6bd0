import type { WakeNeighbourPayload } from '@siteport/protocol';
import { parseSecureOnPassword, sendMagicPackets } from '@siteport/wol';

/** Sends the magic packets a wake-up proxy was asked to send on its subnet. */
export async function wakeNeighbour(payload: WakeNeighbourPayload): Promise<void> {
  const password = payload.password === undefined ? undefined : parseSecureOnPassword(payload.password);
  await sendMagicPackets({
    macs: payload.macs,
    address: payload.address,
    port: payload.port,
    broadcast: payload.broadcast,
    ...(password === undefined ? {} : { password }),
  });
}
