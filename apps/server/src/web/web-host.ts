import type { IncomingMessage, ServerResponse } from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { MP_PREFIX, SiteportError } from '@siteport/protocol';
import { sendError } from '../http/index.js';
import type { EndpointHandler, EndpointSpec, ListenerMode, Protocol } from '../net/index.js';
import type { ServedEndpoint } from '../ports/index.js';
import type { StoredPorts } from '../site/index.js';
import type { WebApplications } from './web-applications.js';
import { defaultWebSiteOf } from './web-site-change.js';
import { type WebSiteLayout, bindingKey, webSiteLayout } from './web-site-layout.js';
import type { WebSiteRepository } from './web-site-repository.js';

const layoutChannel = diagnostics.channel('siteport:web:layout');

/**
 * The site system's web host: routes each request on the MP's listeners to the management point,
 * the default web site's applications, or both, by the current {@link WebSiteLayout}. The layout is
 * recomputed on every listener reconcile, so a switch to or from SMSWeb needs no restart.
 */
export class WebHost {
  private current: WebSiteLayout | undefined;

  constructor(
    private readonly deps: {
      siteCode: string;
      /** The site's stored port settings (shared with the other listeners settling a change). */
      stored: (siteCode: string) => Promise<StoredPorts>;
      served: (siteCode: string) => Promise<ServedEndpoint[]>;
      repo: WebSiteRepository;
      apps: WebApplications;
      mp: EndpointHandler;
      logger: Logger;
    },
  ) {}

  /** The layout in force (undefined before the first refresh). */
  get layout(): WebSiteLayout | undefined {
    return this.current;
  }

  /** Recomputes the layout from the database; returns the default web site listeners the MP must also hold. */
  async refresh(): Promise<EndpointSpec[]> {
    const { siteCode } = this.deps;
    const stored = await this.deps.stored(siteCode);
    const overlap = (await this.deps.served(siteCode)).filter((e) => e.role === 'overlap');
    const layout = webSiteLayout(
      stored.settings,
      overlap,
      defaultWebSiteOf(await this.deps.repo.defaultWebSite(siteCode)),
    );
    this.deps.apps.update(await this.deps.repo.applications(siteCode));
    this.current = layout;
    layoutChannel.publish({
      siteCode,
      customWebSite: layout.customWebSite,
      defaultWebSite: layout.defaultWebSite,
      smsWeb: layout.smsWeb,
    });
    return layout.extraEndpoints;
  }

  /** The handler every MP listener calls. */
  readonly handler: EndpointHandler = (
    req: IncomingMessage,
    res: ServerResponse,
    protocol: Protocol,
    port: number,
    mode: ListenerMode,
  ): void => {
    if (mode !== 'serve') {
      this.deps.mp(req, res, protocol, port, mode);
      return;
    }
    const roles = this.current?.roles.get(bindingKey(protocol, port)) ?? { mp: true, web: false };
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const isMp = path === MP_PREFIX || path.startsWith(`${MP_PREFIX}/`);
    if (isMp && roles.mp) {
      this.deps.mp(req, res, protocol, port, mode);
      return;
    }
    if (isMp) {
      const smsWeb =
        this.current?.smsWeb?.map((b) => `${b.protocol.toUpperCase()} ${b.port}`).join(', ') ?? 'its request ports';
      sendError(
        res,
        new SiteportError(
          'E_NOT_FOUND',
          `the management point is not on the default web site; it is on the custom web site SMSWeb (${smsWeb})`,
        ),
      );
      return;
    }
    if (!roles.web) {
      this.deps.mp(req, res, protocol, port, mode);
      return;
    }
    this.deps.apps.handle(req, res, path).catch((error: unknown) => {
      if (!(error instanceof SiteportError))
        this.deps.logger.error({ err: error, url }, 'web application request failed');
      sendError(res, error);
    });
  };
}
