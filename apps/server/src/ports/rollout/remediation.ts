import { type PortSettings, shellCommand } from '@siteport/protocol';
import type { ClientRecord } from '../../clients/index.js';

/** What the remediation commands need to know about the site. */
export interface RemediationContext {
  siteCode: string;
  managementPoint: string;
  caFingerprint: string;
}

const DEFAULT_STATE_DIR = '/var/lib/siteport-agent';

/**
 * The exact commands that bring a client that cannot learn the new ports back: port
 * switch in place, reinstall with CCMHTTPPORT/CCMHTTPSPORT (the only way for internet clients),
 * or client push.
 */
export function remediationCommands(client: ClientRecord, to: PortSettings, ctx: RemediationContext): string[] {
  // Every word is shell-quoted: the state dir and host name were reported by the client.
  const dir = client.stateDir ?? DEFAULT_STATE_DIR;
  const internet = client.category === 'internet-only' || client.category === 'on-internet';
  const mp = internet
    ? [`CCMHOSTNAME=${ctx.managementPoint}`, ...(client.category === 'internet-only' ? ['CCMALWAYSINF=1'] : [])]
    : [`SMSMP=${ctx.managementPoint}`];
  const setup = shellCommand(
    'siteport',
    'setup',
    '--state',
    dir,
    `SMSSITECODE=${ctx.siteCode}`,
    ...mp,
    `CCMHTTPPORT=${to.http.default}`,
    `CCMHTTPSPORT=${to.https.default}`,
    `SMSCAFINGERPRINT=${ctx.caFingerprint}`,
  );
  const commands = [shellCommand('siteport', 'portswitch', '--state', dir, to.http.default, to.https.default), setup];
  // Clients on the internet get non-default ports only through the setup properties.
  if (internet) commands.reverse();
  commands.push(shellCommand('siteport', 'push', client.hostname));
  return commands;
}
