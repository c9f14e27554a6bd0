import { urlHost } from '@siteport/protocol';
import { type ClientConfig, managementPointHosts } from './client-config.js';

/** One place the agent may send a request: a management point host on one protocol and port. */
export interface MpEndpoint {
  host: string;
  protocol: 'http' | 'https';
  port: number;
  role: 'default' | 'alternate' | 'gateway';
}

/** `https://mp:443` style label (IPv6 hosts in brackets). */
export function endpointUrl(endpoint: Pick<MpEndpoint, 'host' | 'protocol' | 'port'>): string {
  return `${endpoint.protocol}://${urlHost(endpoint.host)}:${endpoint.port}`;
}

/**
 * The endpoints to try for a request, in order. Per MP host: an HTTP-only client tries
 * HTTP default then alternate; any other client tries HTTPS default, HTTPS alternate and — only in
 * `https-or-http` mode — HTTP default, HTTP alternate. Alternates appear only when configured.
 */
export function endpointList(config: ClientConfig): MpEndpoint[] {
  const protocols: Array<'http' | 'https'> = config.httpOnly
    ? ['http']
    : config.communicationMode === 'https-or-http'
      ? ['https', 'http']
      : ['https'];
  const list: MpEndpoint[] = [];
  for (const host of managementPointHosts(config)) {
    for (const protocol of protocols) {
      const pair = config.ports[protocol];
      list.push({ host, protocol, port: pair.default, role: 'default' });
      if (pair.alternate !== null) list.push({ host, protocol, port: pair.alternate, role: 'alternate' });
    }
  }
  return list;
}
