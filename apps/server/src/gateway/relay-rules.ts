import { CLIENT_SESSION_PATH, MP_PREFIX, SiteportError } from '@siteport/protocol';

/** What a gateway does with a request it may relay: how it is authenticated before it goes on. */
export type RelayKind = 'ca' | 'register' | 'client';

/** Lower-case path segments under /mp/v1: no dot segments, no escapes, no doubled slashes. */
const MP_PATH = /^\/mp\/v1(?:\/[a-z0-9][a-z0-9-]{0,63}){1,4}$/;
/** Query text the MP protocol uses: names, values, `=` and `&`, nothing to decode. */
const QUERY = /^[A-Za-z0-9._~=&-]{0,512}$/;

/**
 * MP paths a gateway never relays: the pre-flight probe (it proves an MP port, not the gateway's),
 * client sessions (their MAC is agreed with one MP process; the gateway could not verify it), the
 * notification long-poll (it would hold a relay slot for minutes), and the reachability and
 * pre-flight reports: the MP files those under the subnet of the address a request comes from,
 * which through a gateway is the gateway's, so a client outside would write the map of the
 * gateway's subnet.
 */
const NOT_RELAYED: ReadonlySet<string> = new Set([
  `${MP_PREFIX}/probe`,
  CLIENT_SESSION_PATH,
  `${MP_PREFIX}/notify/poll`,
  `${MP_PREFIX}/reachability`,
  `${MP_PREFIX}/probe-report`,
]);

function refuse(message: string): SiteportError {
  return new SiteportError('E_GATEWAY_PATH', message);
}

/**
 * Decides whether a request may go through the gateway and how it is verified first (decision
 * 0113): only GET and POST on the management point protocol (`/mp/v1/...`) in origin form. The
 * site CA (`GET /mp/v1/ca`) is public; a registration must be signed with the key it registers;
 * every other request must be signed by a registered client. Anything else — the admin API, the
 * console, an absolute URL naming another host, CONNECT, escapes — is refused before a byte goes on.
 */
export function relayKind(method: string | undefined, url: string | undefined): RelayKind {
  const target = url ?? '';
  if (!target.startsWith('/')) {
    throw refuse('a gateway relays requests for its own site only; an absolute URL or an authority form is refused');
  }
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  if (!MP_PATH.test(path)) {
    throw refuse(`a gateway relays the management point protocol only (${MP_PREFIX}/...), not ${path.slice(0, 80)}`);
  }
  if (query >= 0 && !QUERY.test(target.slice(query + 1))) {
    throw refuse('the query of a relayed request may hold letters, digits and . _ ~ = & - only');
  }
  if (NOT_RELAYED.has(path)) {
    throw refuse(
      `${path} is not relayed by a gateway: probes, reachability and pre-flight reports, client sessions and notification long-polls go to a management point directly`,
    );
  }
  if (method !== 'GET' && method !== 'POST') {
    throw new SiteportError('E_METHOD_NOT_ALLOWED', `a gateway relays GET and POST only, not ${String(method)}`);
  }
  if (path === `${MP_PREFIX}/ca`) return 'ca';
  if (path === `${MP_PREFIX}/register`) return 'register';
  return 'client';
}
