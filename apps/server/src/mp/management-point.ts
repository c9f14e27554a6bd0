import type { Logger } from 'pino';
import { SiteportError } from '@siteport/protocol';
import { testBind } from '../os/index.js';
import type { PortBinder, PortSettingsService } from '../ports/index.js';
import type { SiteEvents } from '../site/index.js';
import {
  type EndpointHandler,
  type EndpointSpec,
  type ListenerLimits,
  ListenerSet,
  type ListenerStatus,
} from '../net/index.js';

/** Lifecycle of a management point. idle → starting → running → stopping → stopped. */
export type MpState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const RETRY_FAILED_MS = 10_000;

/**
 * A management point: holds one listener per endpoint its site serves (default and alternate,
 * HTTP and HTTPS, the other side of an open rollout, pre-flight probe ports) and follows every
 * settings change without a restart.
 */
export class ManagementPoint implements PortBinder {
  private stateValue: MpState = 'idle';
  private readonly listeners: ListenerSet;
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<Error[]> = Promise.resolve([]);
  private unsettle: (() => void) | undefined;
  private readonly onWebChange = (siteCode: string): void => {
    if (siteCode === this.deps.siteCode) void this.reconcile();
  };

  constructor(
    private readonly deps: {
      siteCode: string;
      /** The `--bind` addresses; every listener opens on each. */
      bindHosts: readonly string[];
      tls: { cert: string; key: string };
      handler: EndpointHandler;
      ports: PortSettingsService;
      events: SiteEvents;
      logger: Logger;
      /** Timeouts and connection caps of the request listeners. */
      limits: ListenerLimits;
      /** Further listeners the site system's web host needs (the default web site on its own ports). */
      extraEndpoints?: () => Promise<EndpointSpec[]>;
    },
  ) {
    this.listeners = new ListenerSet({
      hosts: deps.bindHosts,
      tls: deps.tls,
      handler: deps.handler,
      logger: deps.logger,
      limits: deps.limits,
    });
  }

  get state(): MpState {
    return this.stateValue;
  }

  /** Serves a new certificate on the HTTPS listeners without closing them (decision 0101). */
  setTls(tls: { cert: string; key: string }): void {
    this.listeners.setTls(tls);
  }

  listenerStatus(): ListenerStatus[] {
    return this.listeners.status();
  }

  /** Opens the site's listeners; a port that cannot be bound at start is fatal, with its reason. */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`management point cannot start from ${this.stateValue}`);
    this.stateValue = 'starting';
    const errors = await this.reconcile();
    if (errors.length > 0) {
      await this.listeners.closeAll();
      // Back to idle: the caller may fix the ports and start again.
      this.stateValue = 'idle';
      throw errors[0] instanceof SiteportError
        ? errors[0]
        : new SiteportError('E_PORT_BIND_FAILED', errors[0]?.message ?? 'bind failed');
    }
    this.unsettle = this.deps.events.settlePortsChange((siteCode) =>
      siteCode === this.deps.siteCode ? this.reconcile() : Promise.resolve(),
    );
    this.deps.events.on('web-changed', this.onWebChange);
    this.stateValue = 'running';
  }

  /** Brings the listeners in line with the stored settings and overlaps; serialised. */
  reconcile(): Promise<Error[]> {
    this.reconciling = this.reconciling.then(() =>
      this.reconcileNow().catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'cannot reconcile listeners; retrying');
        this.schedule(true);
        return [error instanceof Error ? error : new Error(String(error))];
      }),
    );
    return this.reconciling;
  }

  private async reconcileNow(): Promise<Error[]> {
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') return [];
    const served = await this.deps.ports.served(this.deps.siteCode);
    const wanted: EndpointSpec[] = served.map((e) => ({
      protocol: e.protocol,
      port: e.port,
      item: e.item,
      mode: e.role === 'probe' ? 'probe' : 'serve',
    }));
    wanted.push(...((await this.deps.extraEndpoints?.()) ?? []));
    const errors = await this.listeners.reconcile(wanted);
    this.schedule(errors.length > 0);
    return errors;
  }

  /** Retries soon when a listener failed to open. Rollout deadlines arrive as ports-changed events. */
  private schedule(retry: boolean): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (!retry) return;
    this.timer = setTimeout(() => void this.reconcile(), RETRY_FAILED_MS);
    this.timer.unref();
  }

  /**
   * Proves each port can be bound on each bind address; a port this MP already listens on there
   * passes. The first refusal names the port, the address and its family.
   */
  async checkBindable(ports: readonly { item: string; port: number }[]): Promise<void> {
    for (const { item, port } of ports) {
      for (const host of this.deps.bindHosts) {
        if (this.listeners.holds(port, host)) continue;
        await testBind(host, port, item);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'stopped' || this.stateValue === 'stopping') return;
    this.stateValue = 'stopping';
    this.unsettle?.();
    this.deps.events.off('web-changed', this.onWebChange);
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.reconciling.catch(() => []);
    await this.listeners.closeAll();
    this.stateValue = 'stopped';
  }
}
