import { Value } from '@sinclair/typebox/value';
import { type NotifyAction, SiteportError, SwitchPortsPayload, WakeNeighbourPayload } from '@siteport/protocol';
import { wakeNeighbour } from './wake-neighbour.js';

/** What the agent offers to the actions the site pushes. */
export interface ActionHooks {
  /** Runs a heartbeat + policy cycle now; resolves when it succeeded. */
  cycleNow: () => Promise<void>;
  /** Sends the inventory (MACs, subnets) now, even when unchanged. */
  sendInventory: () => Promise<void>;
  /** Writes new request (and notification) ports to client.json. */
  switchPorts: (ports: SwitchPortsPayload) => void;
  /** Sends magic packets for a neighbour (wake-up proxy). @default {@link wakeNeighbour} */
  wake?: (payload: WakeNeighbourPayload) => Promise<void>;
}

/** Maps each action of the site to what the agent does; the promise's outcome becomes the ack. */
export function createActionHandler(hooks: ActionHooks): (action: NotifyAction) => Promise<void> {
  return async (action) => {
    switch (action.action) {
      case 'policy':
        await hooks.cycleNow();
        return;
      case 'heartbeat':
        await hooks.sendInventory();
        await hooks.cycleNow();
        return;
      case 'switch-ports':
        if (
          !Value.Check(SwitchPortsPayload, action.payload) ||
          action.payload.http.default === action.payload.https.default
        ) {
          throw new SiteportError('E_VALIDATION', 'switch-ports needs distinct HTTP and HTTPS ports 1–65535');
        }
        hooks.switchPorts(action.payload);
        await hooks.cycleNow();
        return;
      case 'wake-neighbour':
        if (!Value.Check(WakeNeighbourPayload, action.payload)) {
          throw new SiteportError('E_VALIDATION', 'wake-neighbour needs {macs, address, port, broadcast}');
        }
        await (hooks.wake ?? wakeNeighbour)(action.payload);
        return;
    }
  };
}
