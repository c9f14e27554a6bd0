import type { ClientConfig } from '../client-config.js';
import { type MpEndpoint, endpointList, endpointUrl } from '../endpoint-list.js';
import { gatewayEndpoint, relayedByGateway } from '../gateway/index.js';

/** The endpoints one request tries, in order. */
export interface Route {
  /** Every configured endpoint in configuration order (the sticky choice is relative to it). */
  list: MpEndpoint[];
  /** What the request tries, in this order. */
  ordered: MpEndpoint[];
  /** The first of `ordered` is the sticky endpoint, not the list's first. */
  usedSticky: boolean;
}

/**
 * The order endpoints are tried in: the direct endpoints of {@link endpointList}, then the site's
 * gateway when policy named one and the path is one it relays (decision 0113). The endpoint that
 * worked last is tried first until `retryDefaultAfterMs` has passed, after which the list is tried
 * from the top again so the agent returns to the default port once it is back.
 */
export class EndpointOrder {
  private sticky: { url: string; since: number } | null = null;
  private listKey = '';

  constructor(
    private readonly config: () => ClientConfig,
    private readonly retryDefaultAfterMs: number,
    private readonly now: () => number,
  ) {}

  /** The endpoints a request for `path` tries, in order. */
  route(path: string): Route {
    const list = this.endpoints();
    const { ordered, usedSticky } = this.order(list);
    return {
      list,
      ordered: relayedByGateway(path) ? ordered : ordered.filter((e) => e.role !== 'gateway'),
      usedSticky,
    };
  }

  /**
   * The MP host the next request tries first: the sticky endpoint's while it lasts, else the
   * first of the list; undefined when no MP is configured.
   */
  preferredHost(): string | undefined {
    const first = this.order(this.endpoints()).ordered[0];
    // No client session is opened through a gateway: requests through it are signed.
    return first === undefined || first.role === 'gateway' ? undefined : first.host;
  }

  /** Remembers the endpoint that answered: a non-first one becomes sticky. */
  succeeded(endpoint: MpEndpoint, route: Route): void {
    const url = endpointUrl(endpoint);
    const first = route.list[0];
    if (first !== undefined && endpointUrl(first) === url) this.sticky = null;
    else if (!route.usedSticky || this.sticky?.url !== url) this.sticky = { url, since: this.now() };
  }

  /** The direct endpoints in order, then the site's gateway when policy named one. */
  private endpoints(): MpEndpoint[] {
    const config = this.config();
    const gateway = gatewayEndpoint(config);
    return gateway === undefined ? endpointList(config) : [...endpointList(config), gateway];
  }

  /** Puts the sticky endpoint first unless its time is up or the endpoint list changed. */
  private order(list: MpEndpoint[]): { ordered: MpEndpoint[]; usedSticky: boolean } {
    const key = list.map(endpointUrl).join(',');
    if (key !== this.listKey) {
      // New ports or MPs (policy, port switch): start from the top of the new list.
      this.listKey = key;
      this.sticky = null;
    }
    if (this.sticky === null) return { ordered: list, usedSticky: false };
    const { url, since } = this.sticky;
    const index = list.findIndex((e) => endpointUrl(e) === url);
    if (index <= 0 || this.now() - since >= this.retryDefaultAfterMs) return { ordered: list, usedSticky: false };
    const first = list[index] as MpEndpoint;
    return { ordered: [first, ...list.filter((_, i) => i !== index)], usedSticky: true };
  }
}
