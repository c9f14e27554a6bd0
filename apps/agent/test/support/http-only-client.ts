import pino from 'pino';
import type { ClientConfig } from '../../src/client-config.js';
import { type IdentityKey, generateIdentityKeyPem, loadIdentityKey } from '../../src/identity-key.js';
import { MpTransport } from '../../src/mp-transport.js';

type ScriptedClient = { config: ClientConfig; key: IdentityKey; logger: pino.Logger; transport: MpTransport };

function scriptedClient(port: number, caPem: string | undefined): ScriptedClient {
  const config: ClientConfig = {
    schema: 1,
    siteCode: 'PS1',
    managementPoints: ['127.0.0.1'],
    internetManagementPoint: null,
    alwaysInternet: false,
    httpOnly: caPem === undefined,
    caFingerprint: null,
    category: 'workgroup',
    ports:
      caPem === undefined
        ? { http: { default: port, alternate: null }, https: { default: 1, alternate: null } }
        : { http: { default: 1, alternate: null }, https: { default: port, alternate: null } },
    clientId: 'client-1',
    settingsVersion: 1,
    communicationMode: caPem === undefined ? 'https-or-http' : 'https-only',
    policyIntervalSeconds: 60,
  };
  const logger = pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' });
  const transport = new MpTransport({
    config: () => config,
    caPem: () => caPem,
    timeoutMs: 2000,
    retryDefaultAfterMs: 300_000,
    onContact: () => undefined,
    logger,
  });
  return { config, key: loadIdentityKey(generateIdentityKeyPem()), logger, transport };
}

/**
 * The same client talking HTTPS only to 127.0.0.1:`port` with `caPem` pinned: what the session and
 * long-poll tests drive against MPs that check how requests are authenticated, not the
 * cryptography — MPs older than decision 0092, whose unauthenticated answers the agent accepts
 * over TLS with the pinned CA only.
 */
export function pinnedHttpsClient(port: number, caPem: string): ScriptedClient {
  return scriptedClient(port, caPem);
}
