import { DirectoryConfigBody, DirectoryView, checkDirectoryConfig, parseSiteCode } from '@siteport/protocol';
import type { DirectoryService } from '../directory/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** Admin routes of directory publishing: settings and publish status, unpublish. */
export function directoryRoutes(directory: DirectoryService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/directory',
      summary: "A site's directory settings (never the password) and its publish status",
      operationId: 'getDirectory',
      auth: true,
      permission: 'site.read',
      response: DirectoryView,
      handle: (ctx) => directory.view(site(ctx)),
    },
    route({
      method: 'PUT',
      path: '/sites/{code}/directory',
      summary: 'Configure directory publishing; publishes at once and returns the outcome (failures are retried)',
      operationId: 'putDirectory',
      auth: true,
      permission: 'directory.configure',
      requestBody: DirectoryConfigBody,
      response: DirectoryView,
      handle: (ctx) => directory.configure(site(ctx), checkDirectoryConfig(ctx.body), ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/sites/{code}/directory',
      summary: "Remove the site's entries from the directory, then its directory settings",
      operationId: 'deleteDirectory',
      auth: true,
      permission: 'directory.configure',
      response: DirectoryView,
      handle: (ctx) => directory.remove(site(ctx), ctx.actor),
    },
  ];
}
