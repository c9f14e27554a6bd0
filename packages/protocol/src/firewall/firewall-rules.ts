import { SiteportError } from '../siteport-error.js';
import { type PortSettings, requestEndpoints } from '../port-settings.js';

/** Rule formats `siteport ports firewall` writes. */
export const FIREWALL_FORMATS = ['nftables', 'firewalld', 'netsh'] as const;
export type FirewallFormat = (typeof FIREWALL_FORMATS)[number];

/** Which host the rules are for: a management point host (inbound client traffic) or a client (wake-up packets). */
export const FIREWALL_ROLES = ['management-point', 'client'] as const;
export type FirewallRole = (typeof FIREWALL_ROLES)[number];

/** One port a firewall must let in, and why. */
export interface FirewallPort {
  transport: 'tcp' | 'udp';
  port: number;
  purpose: string;
}

/** What the rules are generated from. */
export interface FirewallInput {
  siteCode: string;
  /** The settings version, or 'proposed' for settings not stored yet. */
  version: number | 'proposed';
  settings: PortSettings;
  role: FirewallRole;
  /** Old request ports MPs still serve (current settings only). */
  overlap?: readonly { protocol: 'http' | 'https'; port: number; until: string }[];
  /** Further inbound ports of the MP host, e.g. the default web site that carries the client installer. */
  extra?: readonly FirewallPort[];
}

/** Generated rules: the ports, and the text ready to apply. */
export interface FirewallRules {
  format: FirewallFormat;
  role: FirewallRole;
  ports: FirewallPort[];
  text: string;
}

/** Parses a format name; anything else is E_VALIDATION listing the formats. */
export function parseFirewallFormat(value: unknown): FirewallFormat {
  if (typeof value === 'string' && (FIREWALL_FORMATS as readonly string[]).includes(value))
    return value as FirewallFormat;
  throw new SiteportError(
    'E_VALIDATION',
    `format must be one of ${FIREWALL_FORMATS.join(', ')}, got ${JSON.stringify(value)}`,
    {
      details: { item: 'format' },
    },
  );
}

/** Parses a role name; anything else is E_VALIDATION listing the roles. */
export function parseFirewallRole(value: unknown): FirewallRole {
  if (typeof value === 'string' && (FIREWALL_ROLES as readonly string[]).includes(value)) return value as FirewallRole;
  throw new SiteportError(
    'E_VALIDATION',
    `role must be one of ${FIREWALL_ROLES.join(', ')}, got ${JSON.stringify(value)}`,
    {
      details: { item: 'role' },
    },
  );
}

/** The inbound ports of a host of the given role, without duplicates, in a stable order. */
export function firewallPorts(input: FirewallInput): FirewallPort[] {
  const ports: FirewallPort[] = [];
  const add = (p: FirewallPort): void => {
    if (!ports.some((q) => q.transport === p.transport && q.port === p.port)) ports.push(p);
  };
  if (input.role === 'client') {
    add({ transport: 'udp', port: input.settings.wake, purpose: 'wake-up packets' });
    return ports;
  }
  for (const e of requestEndpoints(input.settings)) {
    add({
      transport: 'tcp',
      port: e.port,
      purpose: `client requests ${e.protocol.toUpperCase()}${e.role === 'alternate' ? ' alternate' : ''}`,
    });
  }
  add({ transport: 'tcp', port: input.settings.notification, purpose: 'client notification' });
  for (const o of input.overlap ?? [])
    add({ transport: 'tcp', port: o.port, purpose: `old ${o.protocol.toUpperCase()} port served until ${o.until}` });
  for (const p of input.extra ?? []) add(p);
  return ports;
}

/** A purpose as it goes into a rule's quoted name or comment: nothing that could end the quote or the line. */
function label(purpose: string): string {
  return purpose.replace(/[^A-Za-z0-9 .:()+_-]/g, '_');
}

function header(input: FirewallInput, comment: string): string[] {
  const version =
    input.version === 'proposed' ? 'proposed settings, not applied yet' : `settings version ${input.version}`;
  const host = input.role === 'client' ? 'every client of the site' : 'every management point host of the site';
  return [
    `${comment} siteport site ${input.siteCode}: client communication ports (${version})`,
    `${comment} For ${host}.`,
  ];
}

/** Generates ready-to-apply firewall rules for a site's ports in one format. */
export function firewallRules(input: FirewallInput, format: FirewallFormat): FirewallRules {
  const ports = firewallPorts(input);
  const site = input.siteCode;
  let lines: string[];
  switch (format) {
    case 'nftables':
      lines = [
        '#!/usr/sbin/nft -f',
        ...header(input, '#'),
        '# Adds accept rules to the input chain of the inet filter table (the layout of /etc/nftables.conf); apply with nft -f FILE.',
        '# The inet family carries IPv4 and IPv6 alike, so each rule covers both.',
        'add table inet filter',
        'add chain inet filter input { type filter hook input priority filter ; }',
        ...ports.map(
          (p) =>
            `add rule inet filter input ${p.transport} dport ${p.port}${p.transport === 'tcp' ? ' ct state new' : ''} accept comment "siteport ${label(site)} ${label(p.purpose)}"`,
        ),
      ];
      break;
    case 'firewalld':
      lines = [
        '#!/bin/sh',
        ...header(input, '#'),
        '# Opens the ports permanently in the default zone, then reloads firewalld.',
        '# A zone port is open on IPv4 and IPv6 alike.',
        'set -e',
        ...ports.map((p) => `firewall-cmd --permanent --add-port=${p.port}/${p.transport}  # ${label(p.purpose)}`),
        'firewall-cmd --reload',
      ];
      break;
    case 'netsh':
      lines = [
        ...header(input, 'REM'),
        'REM Run in an elevated command prompt. A rule without localip/remoteip covers IPv4 and IPv6.',
        ...ports.map(
          (p) =>
            `netsh advfirewall firewall add rule name="siteport ${label(site)} ${label(p.purpose)} ${p.transport.toUpperCase()} ${p.port}" dir=in action=allow protocol=${p.transport.toUpperCase()} localport=${p.port}`,
        ),
      ];
      break;
  }
  return { format, role: input.role, ports, text: `${lines.join('\n')}\n` };
}
