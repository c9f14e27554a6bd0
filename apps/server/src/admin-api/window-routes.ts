import { Type } from '@sinclair/typebox';
import { CollectionBody, CollectionName, CollectionView, WindowBody, parseSiteCode } from '@siteport/protocol';
import type { MaintenanceWindows } from '../windows/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

const site = (ctx: Pick<RouteContext, 'params'>): string => parseSiteCode(ctx.params.code, 'site code in the path');
const name = (ctx: Pick<RouteContext, 'params'>): string => ctx.params.name ?? '';

/**
 * Admin routes of client collections and their maintenance windows (decision 0114). Reading needs
 * `site.read`; every change needs `clients.manage` in the site and is audited. Not `ports.change`:
 * a peer primary's link token holds that one to change this site's ports, and a collection's member
 * count answers which host names, addresses and client ids the site has, which a peer may not read.
 */
const CHANGE = 'clients.manage';
export function windowRoutes(windows: MaintenanceWindows): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/collections',
      summary: "A site's client collections with their membership rules, member counts and maintenance windows",
      operationId: 'listCollections',
      auth: true,
      permission: 'site.read',
      response: Type.Object({ collections: Type.Array(CollectionView) }),
      handle: async (ctx) => ({ collections: await windows.list(site(ctx)) }),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/collections',
      summary:
        'Create a collection of clients: host-name glob, subnets and/or client ids (a client matching any is a member); audited',
      operationId: 'createCollection',
      auth: true,
      permission: CHANGE,
      requestBody: CollectionBody,
      response: CollectionView,
      handle: (ctx) => windows.create(site(ctx), ctx.body, ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/sites/{code}/collections/{name}',
      summary: 'Delete a collection and its windows; a running rollout no longer holds its clients; audited',
      operationId: 'deleteCollection',
      auth: true,
      permission: CHANGE,
      response: Type.Object({ deleted: CollectionName }),
      handle: (ctx) => windows.delete(site(ctx), name(ctx), ctx.actor),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/collections/{name}/windows',
      summary: 'Add a recurring weekly maintenance window (days, local start, duration, IANA time zone); audited',
      operationId: 'addMaintenanceWindow',
      auth: true,
      permission: CHANGE,
      requestBody: WindowBody,
      response: CollectionView,
      handle: (ctx) => windows.addWindow(site(ctx), name(ctx), ctx.body, ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/sites/{code}/collections/{name}/windows/{id}',
      summary: 'Remove a maintenance window from a collection; audited',
      operationId: 'removeMaintenanceWindow',
      auth: true,
      permission: CHANGE,
      response: CollectionView,
      handle: (ctx) => windows.removeWindow(site(ctx), name(ctx), ctx.params.id ?? '', ctx.actor),
    },
  ];
}
