import { Type } from '@sinclair/typebox';
import { ChangeWarning, DefaultWebSiteBody, WebApplicationBody, WebSitesView, parseSiteCode } from '@siteport/protocol';
import { checkWebApplication, type WebSiteService } from '../web/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

const site = (ctx: Pick<RouteContext, 'params'>): string => parseSiteCode(ctx.params.code, 'site code in the path');

/** The default web site, SMSWeb and the default web site's applications. */
export function webSiteRoutes(web: WebSiteService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/web-sites',
      summary:
        'Where the default web site and the custom web site SMSWeb listen, and which applications the default web site carries',
      operationId: 'getWebSites',
      auth: true,
      permission: 'site.read',
      response: WebSitesView,
      handle: (ctx) => web.view(site(ctx)),
    },
    route({
      method: 'PATCH',
      path: '/sites/{code}/web-sites/default',
      summary: 'Move the default web site (only while the MP is on SMSWeb); lists the applications that move',
      operationId: 'moveDefaultWebSite',
      auth: true,
      permission: 'web.change',
      requestBody: DefaultWebSiteBody,
      response: Type.Object({ webSites: WebSitesView, warnings: Type.Array(ChangeWarning) }),
      handle: (ctx) => web.moveDefaultWebSite(site(ctx), ctx.body, ctx.actor),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/web-applications',
      summary: 'Register a web application served on the default web site',
      operationId: 'addWebApplication',
      auth: true,
      permission: 'web.change',
      requestBody: WebApplicationBody,
      response: WebSitesView,
      handle: (ctx) => web.addApplication(site(ctx), checkWebApplication(ctx.body), ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/sites/{code}/web-applications/{name}',
      summary: 'Remove a registered web application',
      operationId: 'removeWebApplication',
      auth: true,
      permission: 'web.change',
      response: WebSitesView,
      handle: (ctx) => web.removeApplication(site(ctx), ctx.params.name ?? '', ctx.actor),
    },
  ];
}
