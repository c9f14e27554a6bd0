import { SiteportError } from '@siteport/protocol';
import type { ClientConfig } from './client-config.js';
import { type IdentityKey, loadIdentityKey } from './identity-key.js';
import type { StateStore } from './state-store.js';

/**
 * Reads the installed client: client.json and the identity key. E_STATE_CORRUPT, saying to rerun
 * setup, when the key is missing or unreadable; client.json errors come from the store.
 */
export function loadInstalledClient(store: StateStore): { config: ClientConfig; key: IdentityKey } {
  const config = store.readConfig();
  const keyPem = store.readText('key');
  if (keyPem === undefined) {
    throw new SiteportError(
      'E_STATE_CORRUPT',
      `${store.file('key')} is missing; rerun siteport setup --state ${store.dir} to create a new identity`,
    );
  }
  try {
    return { config, key: loadIdentityKey(keyPem) };
  } catch (error) {
    throw new SiteportError(
      'E_STATE_CORRUPT',
      `${store.file('key')} is not a valid key; rerun siteport setup --state ${store.dir}`,
      { cause: error },
    );
  }
}
