import { Type } from '@sinclair/typebox';
import { FIREWALL_FORMATS, FIREWALL_ROLES, parseFirewallFormat, parseFirewallRole, parseSiteCode } from '@siteport/protocol';
import type { FirewallService } from '../firewall/firewall-service.js';
import type { AdminRoute } from './admin-routes.js';

const FirewallAnswer = Type.Object({
  siteCode: Type.String(),
  version: Type.Union([Type.Integer(), Type.Literal('proposed')]),
  format: Type.Union(FIREWALL_FORMATS.map((f) => Type.Literal(f))),
  role: Type.Union(FIREWALL_ROLES.map((r) => Type.Literal(r))),
  ports: Type.Array(Type.Object({ transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]), port: Type.Integer(), purpose: Type.String() })),
  text: Type.String(),
});

/** `GET /sites/{code}/firewall?format=nftables|firewalld|netsh&role=management-point|client&set=ITEM=VALUE…` */
export function firewallRoutes(firewall: FirewallService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/firewall',
      summary: "Firewall rules for a site's current ports, or for proposed ones (?set=http=8080&set=https=8443); format nftables, firewalld or netsh",
      operationId: 'getFirewallRules',
      auth: true,
      permission: 'site.read',
      response: FirewallAnswer,
      handle: (ctx) =>
        firewall.rules(
          parseSiteCode(ctx.params.code, 'site code in the path'),
          parseFirewallFormat(ctx.query.get('format') ?? 'nftables'),
          parseFirewallRole(ctx.query.get('role') ?? 'management-point'),
          ctx.query.getAll('set'),
        ),
    },
  ];
}
