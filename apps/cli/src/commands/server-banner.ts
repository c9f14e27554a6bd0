import type { MpServerInfo, ServerInfo } from '@siteport/server';
import { formatPorts } from './ports.js';

/** What an MP process prints once it is up. */
export function mpBanner(info: MpServerInfo): string[] {
  const listening = info.listeners
    .filter((l) => l.state === 'listening')
    .map(
      (l) =>
        `${l.protocol.toUpperCase()} ${l.address?.includes(':') === true ? `[${l.address}]` : (l.address ?? '')}:${l.port}`,
    );
  return [
    `siteport management point ${info.host} of site ${info.siteCode} is running (registry id ${info.registryId})`,
    `listening: ${listening.join(', ')}`,
    `site CA fingerprint (SMSCAFINGERPRINT): ${info.caFingerprint}`,
    ...opsLine(info.opsUrl),
    ...formatPorts(info.ports),
  ];
}

function opsLine(url: string | undefined): string[] {
  return url === undefined ? [] : [`operations: ${url}/metrics, ${url}/health, ${url}/ready`];
}

/** What the server prints once it is up: every bound port, and how to reach the admin API. */
export function banner(info: ServerInfo): string[] {
  return [
    `siteport site ${info.siteCode} is running`,
    `admin API: ${info.adminUrl}/api/v1  (token: ${info.adminTokenFile})`,
    `web console: ${info.consoleUrl}  (user admin, first password in ${info.consolePasswordFile})`,
    `site CA fingerprint (SMSCAFINGERPRINT): ${info.caFingerprint}`,
    ...opsLine(info.opsUrl),
    `management point addresses: ${info.listenAddresses.join(', ')}`,
    ...formatPorts(info.ports),
  ];
}
