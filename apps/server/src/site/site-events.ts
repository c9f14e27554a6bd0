import { EventEmitter } from 'node:events';
import diagnostics from 'node:diagnostics_channel';
import type { ClientStatus } from '@siteport/protocol';

/** Events inside one site server process. */
export interface SiteEventMap {
  'ports-changed': [siteCode: string, version: number];
  'client-registered': [siteCode: string, clientId: string, keyFingerprint: string];
  /** The default web site's applications or bindings changed: MP listeners follow. */
  'web-changed': [siteCode: string];
  /** The reachability map's settings changed: every MP process rebuilds its policy (decision 0115). */
  'reachability-changed': [siteCode: string];
  /** An administrator changed a client's registration status (decision 0095). */
  'client-status-changed': [siteCode: string, clientId: string, status: ClientStatus];
}

/** Work a ports change is not complete without (bringing listeners in line with the new settings). */
export type PortsSettler = (siteCode: string, version: number) => Promise<unknown>;

const portsChannel = diagnostics.channel('siteport:server:ports-changed');
const registeredChannel = diagnostics.channel('siteport:server:client-registered');
const statusChannel = diagnostics.channel('siteport:server:client-status-changed');

/**
 * In-process bus: services publish, the MP and caches subscribe. With several MP processes on
 * PostgreSQL, `relaySiteEvents` carries these events to and from the other processes.
 */
export class SiteEvents extends EventEmitter<SiteEventMap> {
  private readonly settlers = new Set<PortsSettler>();

  /**
   * Registers work that completes a ports change (listener reconciliation); `portsChanged`
   * resolves once every settler finished, so an admin call returns with the ports bound. Returns
   * the function that unregisters it.
   */
  settlePortsChange(settler: PortsSettler): () => void {
    this.settlers.add(settler);
    return () => this.settlers.delete(settler);
  }

  /** Announces stored new port settings; resolves when every settler is done (a failing one is logged by its owner). */
  async portsChanged(siteCode: string, version: number): Promise<void> {
    portsChannel.publish({ siteCode, version });
    this.emit('ports-changed', siteCode, version);
    await Promise.allSettled([...this.settlers].map((settle) => settle(siteCode, version)));
  }

  /** A client registered (or re-registered with a known key) at one of this server's MPs. */
  clientRegistered(siteCode: string, clientId: string, keyFingerprint: string): void {
    registeredChannel.publish({ siteCode, clientId, keyFingerprint });
    this.emit('client-registered', siteCode, clientId, keyFingerprint);
  }

  /** A client's registration status changed (approved, blocked, unblocked, retired): every process drops what it holds of it. */
  clientStatusChanged(siteCode: string, clientId: string, status: ClientStatus): void {
    statusChannel.publish({ siteCode, clientId, status });
    this.emit('client-status-changed', siteCode, clientId, status);
  }

  webChanged(siteCode: string): void {
    this.emit('web-changed', siteCode);
  }

  reachabilityChanged(siteCode: string): void {
    this.emit('reachability-changed', siteCode);
  }
}
