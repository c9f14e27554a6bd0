import pino from 'pino';
import type { ClientConfig } from '../../src/client-config.js';
import { type IdentityKey, generateIdentityKeyPem, loadIdentityKey } from '../../src/identity-key.js';
import { MpTransport } from '../../src/mp-transport.js';

/**
 * A registered client (`client-1` of site PS1) that talks plain HTTP to one scripted MP on
 * 127.0.0.1:`port`, with a fresh key: what the session and long-poll tests drive against MPs that
 * check how requests are authenticated, not the cryptography.
 */
export function httpOnlyClient(port: number): { config: ClientConfig; key: IdentityKey; logger: pino.Logger; transport: MpTransport } {
  const config: ClientConfig = {
    schema: 1,
    siteCode: 'PS1',
    managementPoints: ['127.0.0.1'],
    internetManagementPoint: null,
    alwaysInternet: false,
    httpOnly: true,
    caFingerprint: null,
    category: 'workgroup',
    ports: { http: { default: port, alternate: null }, https: { default: 1, alternate: null } },
    clientId: 'client-1',
    settingsVersion: 1,
    communicationMode: 'https-or-http',
    policyIntervalSeconds: 60,
  };
  const logger = pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' });
  const transport = new MpTransport({ config: () => config, caPem: () => undefined, timeoutMs: 2000, retryDefaultAfterMs: 300_000, onContact: () => undefined, logger });
  return { config, key: loadIdentityKey(generateIdentityKeyPem()), logger, transport };
}
