import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
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
  parsePortChangeBody,
  parseSiteCode,
} from '@siteport/protocol';
import type { HierarchyService } from '../hierarchy/hierarchy-service.js';
import { parsePeerUrl } from '../hierarchy/peer-client.js';
import { type AdminRoute, type RouteContext, visibleTo } from './admin-routes.js';

const syncCheck = TypeCompiler.Compile(SecondarySyncBody);
const site = (ctx: RouteContext, name = 'code'): string => parseSiteCode(ctx.params[name], 'site code in the path');

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SiteportError('E_BAD_REQUEST', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function text(input: Record<string, unknown>, key: string, max: number): string {
  const value = input[key];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new SiteportError('E_VALIDATION', `${key} must be non-empty text of at most ${max} characters`, { details: { item: key } });
  }
  return value;
}

function parseRegistration(body: unknown): RegisterSecondaryBody {
  const input = object(body);
  const fingerprint = text(input, 'caFingerprint', 200);
  if (!/^[0-9A-Fa-f:]{32,}$/.test(fingerprint)) throw new SiteportError('E_VALIDATION', 'caFingerprint must be the hex SHA-256 fingerprint of the secondary site CA');
  return { siteCode: parseSiteCode(input.siteCode, 'siteCode'), adminUrl: parsePeerUrl(input.adminUrl, 'adminUrl'), caFingerprint: fingerprint };
}

function parsePeer(body: unknown): AddPeerPrimaryBody & { url: string } {
  const input = object(body);
  for (const key of Object.keys(input)) {
    if (!['url', 'token', 'caCertificate'].includes(key)) throw new SiteportError('E_VALIDATION', `unknown field ${key}; a peer primary has url, token and caCertificate`);
  }
  const token = text(input, 'token', 512);
  const ca = input.caCertificate === undefined ? undefined : text(input, 'caCertificate', 16384);
  return { url: parsePeerUrl(input.url, 'url'), token, ...(ca === undefined ? {} : { caCertificate: ca }) };
}

/** Secondary sites, peer primaries and hierarchy-wide port changes (SPEC S7). */
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
      handle: async (ctx) => ({ secondaries: (await h.secondaryViews(site(ctx))).filter((v) => visibleTo(ctx, v.siteCode)) }),
    },
    {
      method: 'POST',
      path: '/sites/{code}/secondaries',
      summary: 'A secondary site server attaches itself to this primary site (siteport server --parent)',
      operationId: 'registerSecondary',
      auth: true,
      permission: 'hierarchy.link',
      requestBody: RegisterSecondaryBody,
      response: SecondarySyncResponse,
      handle: (ctx) => {
        const registration = parseRegistration(ctx.body);
        if (!visibleTo(ctx, registration.siteCode)) {
          throw new SiteportError('E_FORBIDDEN', `${ctx.actor} may attach only sites ${(ctx.caller.sites ?? []).join(', ')}, not ${registration.siteCode}`);
        }
        return h.registerSecondary(site(ctx), registration, ctx.caller);
      },
    },
    {
      method: 'POST',
      path: '/sites/{code}/secondaries/{secondary}/sync',
      summary: "A secondary's long poll for its primary's port settings (returns at a change or after waitSeconds)",
      operationId: 'syncSecondary',
      auth: true,
      permission: 'hierarchy.link',
      requestBody: SecondarySyncBody,
      response: SecondarySyncResponse,
      handle: (ctx) => {
        if (!syncCheck.Check(ctx.body)) {
          const first = [...syncCheck.Errors(ctx.body)][0];
          throw new SiteportError('E_VALIDATION', `sync body: ${first === undefined ? 'invalid' : `${first.path || '/'} ${first.message}`}`);
        }
        return h.sync(site(ctx), site(ctx, 'secondary'), ctx.body);
      },
    },
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
    {
      method: 'POST',
      path: '/hierarchy/primaries',
      summary: "Add a peer primary site by its admin URL and token (checked against it; the token is stored in a 0600 file)",
      operationId: 'addPeerPrimary',
      auth: true,
      permission: 'hierarchy.manage',
      requestBody: AddPeerPrimaryBody,
      response: PeerPrimaryView,
      handle: (ctx) => h.addPeer(parsePeer(ctx.body), ctx.actor),
    },
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
    {
      method: 'PATCH',
      path: '/hierarchy/ports',
      summary: 'Apply one port change to this primary site and every peer primary; one outcome per site',
      operationId: 'changePortsOfAllPrimaries',
      auth: true,
      permission: 'ports.change',
      requestBody: PortChangeBody,
      response: ApplyAllResult,
      handle: (ctx) => h.applyToAllPrimaries(parsePortChangeBody(ctx.body), ctx.actor, selfUrl()),
    },
  ];
}
