import { AGENT_VERSION } from './agent-options.js';
import { applyPolicy } from './apply-policy.js';
import type { ClientConfig } from './client-config.js';
import type { IdentityKey } from './identity-key.js';
import type { MpClient } from './mp-client.js';

/**
 * Registers this client's key with the site (with the registration token when setup gave one) and
 * returns client.json as it is to be saved: the client id, the site's policy applied, the token
 * spent (re-registrations of this key need none).
 */
export async function registerClient(
  client: MpClient,
  config: ClientConfig,
  key: IdentityKey,
  hostname: string,
): Promise<{ config: ClientConfig; clientId: string; siteCode: string }> {
  const token = config.registrationToken ?? null;
  const response = await client.register(
    {
      siteCode: config.siteCode,
      hostname,
      publicKey: key.publicKeyPem,
      category: config.category,
      agentVersion: AGENT_VERSION,
      ...(token === null ? {} : { registrationToken: token }),
    },
    key,
  );
  const registered = { ...config, clientId: response.clientId, siteCode: response.siteCode, registrationToken: null };
  return {
    config: applyPolicy(registered, response.policy).config,
    clientId: response.clientId,
    siteCode: response.siteCode,
  };
}
