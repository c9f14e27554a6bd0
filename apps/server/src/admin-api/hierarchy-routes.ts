import { Type } from '@sinclair/typebox';
import {
  AddPeerPrimaryBody,
  ApplyAllResult,
  HierarchyView,
  PeerPrimaryView,
  PortChangeBody,
  RegisterSecondaryBody,
  SecondarySyncBody,
  SecondarySyncResponse,
  SiteView,
  SiteportError,
  parseSiteCode,
} from '@siteport/protocol';
import { checkPeerUrl, type HierarchyService } from '../hierarchy/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import { visibleTo } from './admin-routes.js';

const site = (ctx: Pick<RouteContext, 'params'>, name = 'code'): string =>
  parseSiteCode(ctx.params[name], 'site code in the path');

/** Secondary sites, peer primaries and hierarchy-wide port changes. */
export function hierarchyRoutes(h: HierarchyService, selfUrl: () => string): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/hierarchy',
      summary: "This site's place in the hierarchy: its primary link (secondary), its secondaries and peer primaries",
      operationId: 'getHierarchy',
      auth: true,
      permission: 'site.read',
      response: HierarchyView,
      handle: async (ctx) => {
        const view = await h.view();
        return { ...view, secondaries: view.secondaries.filter((v) => visibleTo(ctx, v.siteCode)) };
      },
    },
    {
      method: 'GET',
      path: '/sites/{code}/secondaries',
      summary: 'The secondary sites attached to a primary site, with their sync state',
      operationId: 'listSecondaries',
      auth: true,
      permission: 'site.read',
      response: Type.Object({ secondaries: Type.Array(SiteView) }),
      handle: async (ctx) => ({
        secondaries: (await h.secondaryViews(site(ctx))).filter((v) => visibleTo(ctx, v.siteCode)),
      }),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/secondaries',
      summary: 'A secondary site server attaches itself to this primary site (siteport server --parent)',
      operationId: 'registerSecondary',
      auth: true,
      permission: 'hierarchy.link',
      requestBody: RegisterSecondaryBody,
      response: SecondarySyncResponse,
      handle: (ctx) => {
        const registration = {
          ...ctx.body,
          siteCode: ctx.body.siteCode.toUpperCase(),
          adminUrl: checkPeerUrl(ctx.body.adminUrl, 'adminUrl'),
        };
        if (!visibleTo(ctx, registration.siteCode)) {
          throw new SiteportError(
            'E_FORBIDDEN',
            `${ctx.actor} may attach only sites ${(ctx.caller.sites ?? []).join(', ')}, not ${registration.siteCode}`,
          );
        }
        return h.registerSecondary(site(ctx), registration, ctx.caller);
      },
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/secondaries/{secondary}/sync',
      summary: "A secondary's long poll for its primary's port settings (returns at a change or after waitSeconds)",
      operationId: 'syncSecondary',
      auth: true,
      permission: 'hierarchy.link',
      requestBody: SecondarySyncBody,
      response: SecondarySyncResponse,
      handle: (ctx) => h.sync(site(ctx), site(ctx, 'secondary'), ctx.body),
    }),
    {
      method: 'GET',
      path: '/hierarchy/primaries',
      summary: 'Peer primary sites that hierarchy-wide changes apply to (tokens are never shown)',
      operationId: 'listPeerPrimaries',
      auth: true,
      permission: 'site.read',
      response: Type.Object({ primaries: Type.Array(PeerPrimaryView) }),
      handle: async () => ({ primaries: await h.peerViews() }),
    },
    route({
      method: 'POST',
      path: '/hierarchy/primaries',
      summary:
        'Add a peer primary site by its admin URL and token (checked against it; the token is stored in a 0600 file)',
      operationId: 'addPeerPrimary',
      auth: true,
      permission: 'hierarchy.manage',
      requestBody: AddPeerPrimaryBody,
      response: PeerPrimaryView,
      handle: (ctx) => h.addPeer({ ...ctx.body, url: checkPeerUrl(ctx.body.url, 'url') }, ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/hierarchy/primaries/{code}',
      summary: 'Forget a peer primary site and its token',
      operationId: 'removePeerPrimary',
      auth: true,
      permission: 'hierarchy.manage',
      response: Type.Object({ removed: Type.String() }),
      handle: (ctx) => h.removePeer(site(ctx), ctx.actor),
    },
    route({
      method: 'PATCH',
      path: '/hierarchy/ports',
      summary: 'Apply one port change to this primary site and every peer primary; one outcome per site',
      operationId: 'changePortsOfAllPrimaries',
      auth: true,
      permission: 'ports.change',
      requestBody: PortChangeBody,
      response: ApplyAllResult,
      handle: (ctx) => h.applyToAllPrimaries(ctx.body, ctx.actor, selfUrl()),
    }),
  ];
}
