import diagnosticsChannel from 'node:diagnostics_channel';

/** Message of `siteport:agent:contact`: one attempt on one endpoint. */
export interface ContactEvent {
  host: string;
  protocol: 'http' | 'https';
  port: number;
  ok: boolean;
  /** Why the attempt failed (connection refused, timed out, …). */
  reason?: string;
}

/** Message of `siteport:agent:state`: a lifecycle transition. */
export interface StateEvent {
  from: string;
  to: string;
}

/** Message of `siteport:agent:policy`: a site policy was downloaded. */
export interface PolicyEvent {
  settingsVersion: number;
  adopted: boolean;
}

/** Diagnostics channels of the agent, for tests and metrics (`siteport:agent:<event>`). */
export const AGENT_CHANNELS = {
  contact: diagnosticsChannel.channel('siteport:agent:contact'),
  state: diagnosticsChannel.channel('siteport:agent:state'),
  policy: diagnosticsChannel.channel('siteport:agent:policy'),
  reload: diagnosticsChannel.channel('siteport:agent:reload'),
} as const;
