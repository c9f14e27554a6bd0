import { ManagementPointList, parseSiteCode } from '@siteport/protocol';
import type { SiteCluster } from '../cluster/index.js';
import type { AdminRoute } from './admin-route.js';

/** Admin routes of the MP registry: which management point processes serve the site. */
export function managementPointRoutes(cluster: SiteCluster, site: (code: string) => Promise<unknown>): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/management-points',
      summary:
        'The management point processes of the site: host clients use, bind address, role, running/stopped/dead, last heartbeat',
      operationId: 'listManagementPoints',
      auth: true,
      permission: 'site.read',
      response: ManagementPointList,
      handle: async (ctx) => {
        const code = parseSiteCode(ctx.params.code, 'site code in the path');
        await site(code);
        return cluster.list(code);
      },
    },
  ];
}
