import {
  DEFAULT_PORTS,
  type ChangeWarning,
  type PortSettings,
  isPrivilegedPort,
  requestEndpoints,
} from '@siteport/protocol';
import type { ClientRecord } from '../clients/index.js';

/**
 * The warnings for a change, stated with the concrete clients: who talks on a port
 * that is going away, which non-default ports firewalls must allow, and the internet HTTPS risk.
 */
export function changeWarnings(
  before: PortSettings,
  after: PortSettings,
  clients: readonly ClientRecord[],
): ChangeWarning[] {
  const warnings: ChangeWarning[] = [];
  const afterKeys = new Set(requestEndpoints(after).map((e) => `${e.protocol}:${e.port}`));
  const removed = requestEndpoints(before).filter((e) => !afterKeys.has(`${e.protocol}:${e.port}`));
  if (removed.length > 0) {
    const onRemoved = clients.filter(
      (c) =>
        c.lastContact !== null &&
        removed.some((e) => e.protocol === c.lastContact?.protocol && e.port === c.lastContact.port),
    );
    const ports = removed.map((e) => `${e.protocol.toUpperCase()} ${e.port}`).join(', ');
    warnings.push({
      code: 'W_CLIENTS_ON_OLD_PORTS',
      message:
        `${onRemoved.length} client(s) last talked on ${ports}. The management points keep serving those ports until every active client ` +
        'has moved (or the rollout deadline); clients that are off until then become unmanaged until they are reconfigured ' +
        '(siteport portswitch, setup with CCMHTTPPORT/CCMHTTPSPORT, or push).',
      clients: onRemoved.map((c) => c.id),
    });
  }
  const nonDefault = requestEndpoints(after).filter(
    (e) =>
      e.port !== (e.protocol === 'http' ? DEFAULT_PORTS.http : DEFAULT_PORTS.https) &&
      !requestEndpoints(before).some((b) => b.port === e.port),
  );
  if (nonDefault.length > 0) {
    warnings.push({
      code: 'W_FIREWALL',
      message: `Allow TCP ${nonDefault.map((e) => e.port).join(', ')} on every firewall and network device between clients and the management points.`,
    });
  }
  if (after.https.default !== DEFAULT_PORTS.https && after.https.default !== before.https.default) {
    const internet = clients.filter((c) => c.category === 'internet-only' || c.category === 'on-internet');
    warnings.push({
      code: 'W_INTERNET_HTTPS',
      message: `HTTPS moves off 443 to ${after.https.default}: routers and firewalls on the internet may block it (${internet.length} internet client(s) at this site).`,
      clients: internet.map((c) => c.id),
    });
  }
  const privileged = requestEndpoints(after).filter((e) => isPrivilegedPort(e.port));
  if (privileged.some((e) => !requestEndpoints(before).some((b) => b.port === e.port))) {
    warnings.push({
      code: 'W_PRIVILEGED',
      message: `Ports below 1024 (${privileged.map((e) => e.port).join(', ')}) need root or CAP_NET_BIND_SERVICE on every management point.`,
    });
  }
  return warnings;
}
