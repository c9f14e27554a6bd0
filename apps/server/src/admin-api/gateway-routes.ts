import {
  GatewayCertificate,
  GatewayCertificateBody,
  GatewayClientKey,
  GatewaySettingsBody,
  GatewayUpstream,
  GatewayView,
  parseSiteCode,
} from '@siteport/protocol';
import type { GatewaySettings, GatewaySite } from '../gateway/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

function clientId(ctx: Pick<RouteContext, 'params'>): string {
  return ctx.params.id ?? '';
}

/**
 * Admin routes of a site's gateway (decision 0113): the setting administrators change, and what a
 * gateway process holding a `gateway` token reads (upstream endpoints, client keys) and gets (its
 * TLS certificate for the configured host name).
 */
export function gatewayRoutes(settings: GatewaySettings, gateway: GatewaySite): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/gateway',
      summary: "A site's gateway for clients outside the network (public host name and port), or null",
      operationId: 'getGateway',
      auth: true,
      permission: 'site.read',
      response: GatewayView,
      handle: (ctx) => settings.view(site(ctx)),
    },
    route({
      method: 'PUT',
      path: '/sites/{code}/gateway',
      summary:
        'Set the gateway clients use when no management point answers directly; announced in policy at once; audited',
      operationId: 'setGateway',
      auth: true,
      permission: 'gateway.configure',
      requestBody: GatewaySettingsBody,
      response: GatewayView,
      handle: (ctx) => settings.set(site(ctx), ctx.body, ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/sites/{code}/gateway',
      summary: "Remove a site's gateway; clients stop using it with their next policy; audited",
      operationId: 'clearGateway',
      auth: true,
      permission: 'gateway.configure',
      response: GatewayView,
      handle: (ctx) => settings.clear(site(ctx), ctx.actor),
    },
    {
      method: 'GET',
      path: '/sites/{code}/gateway/upstream',
      summary:
        'For a gateway process: the management point endpoints the site serves now (both sides of a rollout) and the site CA',
      operationId: 'getGatewayUpstream',
      auth: true,
      permission: 'gateway.relay',
      response: GatewayUpstream,
      handle: (ctx) => gateway.upstream(site(ctx)),
    },
    {
      method: 'GET',
      path: '/sites/{code}/gateway/clients/{id}',
      summary: "For a gateway process: a client's status and public key, to verify its signed requests with",
      operationId: 'getGatewayClientKey',
      auth: true,
      permission: 'gateway.relay',
      response: GatewayClientKey,
      handle: (ctx) => gateway.clientKey(site(ctx), clientId(ctx)),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/gateway/certificate',
      summary:
        "For a gateway process: a TLS certificate from the site CA for the gateway's configured host name only; audited",
      operationId: 'issueGatewayCertificate',
      auth: true,
      permission: 'gateway.relay',
      requestBody: GatewayCertificateBody,
      response: GatewayCertificate,
      handle: (ctx) => gateway.certificate(site(ctx), ctx.body.publicKey, ctx.actor),
    }),
  ];
}
