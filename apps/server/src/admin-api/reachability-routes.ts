import {
  PortPlan,
  PortPlanQuery,
  ReachabilityMatrix,
  ReachabilityMatrixQuery,
  ReachabilitySettings,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import type { ReachabilityService } from '../reachability/index.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/**
 * The reachability map (decision 0109): the matrix, the port plan and the probing settings.
 * `known` throws E_SITE_NOT_FOUND for a site this server does not run: the settings are stored per
 * site, and a code without a site row would otherwise fail inside the database as an internal error.
 */
export function reachabilityRoutes(
  reachability: ReachabilityService,
  known: (siteCode: string) => Promise<unknown>,
): AdminRoute[] {
  const knownSite = async (ctx: Pick<RouteContext, 'params'>): Promise<string> => {
    const code = site(ctx);
    await known(code);
    return code;
  };
  return [
    route({
      method: 'GET',
      path: '/sites/{code}/reachability',
      summary:
        'Which MP ports clients reach, by subnet: reachable, blocked or not tested with counts and last seen (a page of subnets; nextCursor asks for the next)',
      operationId: 'getReachability',
      auth: true,
      permission: 'site.read',
      query: ReachabilityMatrixQuery,
      response: ReachabilityMatrix,
      handle: (ctx) =>
        reachability.matrix(site(ctx), {
          ...(ctx.query.limit === undefined ? {} : { limit: ctx.query.limit }),
          ...(ctx.query.cursor === undefined ? {} : { cursor: ctx.query.cursor }),
        }),
    }),
    route({
      method: 'GET',
      path: '/sites/{code}/reachability/plan',
      summary:
        'What moving port items would do, from the reachability map alone: clients that would lose their MP and unknown clients, by subnet',
      operationId: 'planPorts',
      auth: true,
      // It names the site's subnets and their clients: site data, not the port settings a link token mirrors.
      permission: 'site.read',
      query: PortPlanQuery,
      response: PortPlan,
      handle: (ctx) => reachability.plan(site(ctx), ctx.query),
    }),
    {
      method: 'GET',
      path: '/sites/{code}/reachability/settings',
      summary: 'How often agents probe MP ports, when a result is stale, and the candidate ports agents probe too',
      operationId: 'getReachabilitySettings',
      auth: true,
      permission: 'site.read',
      response: ReachabilitySettings,
      handle: async (ctx) => reachability.settings(await knownSite(ctx)),
    },
    route({
      method: 'PUT',
      path: '/sites/{code}/reachability/settings',
      summary: 'Change the probing interval, the stale limit and the candidate ports (audited; policy announces them)',
      operationId: 'setReachabilitySettings',
      auth: true,
      // Not `ports.change`, which a peer primary's link token holds: the settings make every agent of
      // the site probe the MP (and candidate ports) and report, as often as every 5 s (decision 0119).
      permission: 'clients.manage',
      requestBody: ReachabilitySettings,
      response: ReachabilitySettings,
      handle: async (ctx) => reachability.setSettings(await knownSite(ctx), ctx.body, ctx.actor),
    }),
  ];
}
