import type { ClientService } from '../clients/index.js';
import { ClientSessions, MpEpoch, NonceCache, RequestVerifier } from '../mp/index.js';

/**
 * The gateway checks signatures itself and keeps its own replay state; it is not bound to any MP
 * process's epoch (the MP behind checks that), so every epoch is admitted here.
 */
class AnyEpoch extends MpEpoch {
  constructor() {
    super({ restarted: false });
  }

  override admits(): boolean {
    return true;
  }
}

/**
 * The verifier of a gateway (decision 0113): the management point's own {@link RequestVerifier},
 * over the client keys the gateway reads from the site and a replay cache of its own. It holds no
 * client sessions: their keys are agreed with one MP process, so the relay refuses session MACs.
 */
export function createGatewayVerifier(keys: Pick<ClientService, 'known' | 'knownCached'>): {
  verifier: RequestVerifier;
  nonces: NonceCache;
} {
  const nonces = new NonceCache();
  return { verifier: new RequestVerifier(keys, nonces, new ClientSessions({ nonces }), new AnyEpoch()), nonces };
}
