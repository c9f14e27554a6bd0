import { Type } from '@sinclair/typebox';
import { FIREWALL_FORMATS, FIREWALL_ROLES, parseSiteCode } from '@siteport/protocol';
import type { FirewallService } from '../firewall/index.js';
import { type AdminRoute, route } from './admin-route.js';

const FirewallAnswer = Type.Object({
  siteCode: Type.String(),
  version: Type.Union([Type.Integer(), Type.Literal('proposed')]),
  format: Type.Union(FIREWALL_FORMATS.map((f) => Type.Literal(f))),
  role: Type.Union(FIREWALL_ROLES.map((r) => Type.Literal(r))),
  ports: Type.Array(
    Type.Object({
      transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
      port: Type.Integer(),
      purpose: Type.String(),
    }),
  ),
  text: Type.String(),
});

const FirewallQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        FIREWALL_FORMATS.map((f) => Type.Literal(f)),
        { description: 'Rule format (default nftables)' },
      ),
    ),
    role: Type.Optional(
      Type.Union(
        FIREWALL_ROLES.map((r) => Type.Literal(r)),
        { description: 'The host the rules are for (default management-point)' },
      ),
    ),
    set: Type.Optional(
      Type.Array(Type.String({ maxLength: 300 }), {
        maxItems: 32,
        description:
          'A proposed setting ITEM=VALUE as siteport ports set takes it (repeat for several); rules for the proposed ports then',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `GET /sites/{code}/firewall?format=nftables|firewalld|netsh&role=management-point|client&set=ITEM=VALUE…` */
export function firewallRoutes(firewall: FirewallService): AdminRoute[] {
  return [
    route({
      method: 'GET',
      path: '/sites/{code}/firewall',
      summary:
        "Firewall rules for a site's current ports, or for proposed ones (?set=http=8080&set=https=8443); format nftables, firewalld or netsh",
      operationId: 'getFirewallRules',
      auth: true,
      permission: 'site.read',
      query: FirewallQuery,
      response: FirewallAnswer,
      handle: (ctx) =>
        firewall.rules(
          parseSiteCode(ctx.params.code, 'site code in the path'),
          ctx.query.format ?? 'nftables',
          ctx.query.role ?? 'management-point',
          ctx.query.set ?? [],
        ),
    }),
  ];
}
