// Over 300 lines: the agent daemon's one state machine (cycle, check-in, reload, stop) reads best in one file; its parts that stand alone live beside it.
import type { Logger } from 'pino';
import { spreadEarlier } from '@siteport/backoff';
import {
  type ErrorCode,
  type HeartbeatRequest,
  type Policy,
  type ReachabilityCandidate,
  SiteportError,
  isSiteportError,
} from '@siteport/protocol';
import { AGENT_VERSION, type AgentOptions, type ResolvedAgentOptions, resolveAgentOptions } from './agent-options.js';
import type { AgentState, AgentStatus, LastContact } from './agent-status.js';
import { StatusWriter } from './status-writer.js';
import { applyPolicy } from './apply-policy.js';
import { type ClientConfig, managementPointHosts } from './client-config.js';
import { AGENT_CHANNELS } from './diagnostics.js';
import { Discovery } from './discovery/discovery.js';
import type { IdentityKey } from './identity-key.js';
import { loadInstalledClient } from './installed-state.js';
import { CycleSleep, retryDelay } from './cycle-timing.js';
import { createAgentLogger } from './logger.js';
import { MpClient } from './mp-client.js';
import { MpTransport } from './mp-transport.js';
import { registerClient } from './registration.js';
import { SiteTrust } from './site-trust.js';
import { reportPreflight } from './probe.js';
import { ReachabilityProber } from './reachability/index.js';
import { StateStore } from './state-store.js';
import { createAgentNotifier } from './notify/agent-notifier.js';
import { InventorySender } from './inventory-sender.js';
import type { NotificationClient } from './notify/notification-client.js';
import { SessionKeeper } from './session/session-keeper.js';
import { type AgentUpgrader, createAgentUpgrader, upgradeChannel } from './upgrade/index.js';

/** A contact this recent proves its port for the reachability probe of the same cycle (decision 0115). */
const JUST_NOW_MS = 60_000;

/**
 * How much of the policy interval a cycle may start early, at random, so that a fleet started
 * together (a site restart, a mass install) drifts apart instead of polling in step; a cycle never
 * starts later than the interval, so a rollout still sees every client within one.
 */
const INTERVAL_SPREAD = 0.1;

/** The agent state that shows why the site refuses this client. */
const REFUSED_STATES: Partial<Record<ErrorCode, AgentState>> = {
  E_MP_UNREACHABLE: 'unreachable',
  E_CLIENT_PENDING: 'waiting-approval',
  E_CLIENT_BLOCKED: 'blocked',
  E_CLIENT_RETIRED: 'retired',
};

/**
 * The client agent daemon. Each cycle makes sure the site CA is pinned and the client is
 * registered, then sends a heartbeat and downloads policy; cycles run every policy interval (less
 * up to a tenth at random), and after an unreachable cycle sooner, with a backoff capped at the
 * interval. See {@link AgentState}
 * for the lifecycle.
 *
 * Longer than most files on purpose: what is left here is the daemon's state machine, and every
 * method reads or moves the same state (config, key, status, lifecycle). The parts that stand on
 * their own live beside it: notifier wiring (notify/agent-notifier.ts), TLS trust (site-trust.ts,
 * pin-ca.ts), the installed client (installed-state.ts), retry delays and the interruptible wait
 * (cycle-timing.ts), pre-flight (probe.ts), policy adoption (apply-policy.ts), discovery
 * (discovery/), upgrade wiring (upgrade/agent-upgrade-wiring.ts).
 */
export class Agent {
  private readonly options: ResolvedAgentOptions;
  private readonly store: StateStore;
  private readonly log: Logger;
  private readonly transport: MpTransport;
  /** Client sessions, shared by the check-in cycle and the notification client (decision 0062). */
  private readonly sessions: SessionKeeper;
  private readonly client: MpClient;
  private current: AgentState = 'idle';
  private config: ClientConfig | undefined;
  private key: IdentityKey | undefined;
  private readonly trust: SiteTrust;
  private readonly statusFile: StatusWriter;
  private loopDone: Promise<void> | undefined;
  private stopDone: Promise<void> | undefined;
  private readonly waiting = new CycleSleep();
  private reloadRequested = false;
  /** Pre-flight rollouts this process has already reported on. */
  private readonly probed = new Set<string>();
  /** Slow probing of which MP ports this client reaches (decision 0109). */
  private readonly reachability: ReachabilityProber;
  private discovery: Discovery | undefined;
  private cycleRequested = false;
  private cycleWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly inventory: InventorySender;
  private readonly notifier: NotificationClient | undefined;
  private readonly upgrader: AgentUpgrader;

  constructor(options: AgentOptions) {
    this.options = resolveAgentOptions(options);
    this.store = new StateStore(this.options.stateDir);
    const root = this.options.logger ?? createAgentLogger(this.options.logLevel);
    this.log = root.child({ component: 'agent' });
    this.trust = new SiteTrust(this.store, this.log);
    this.statusFile = new StatusWriter(this.store, this.log);
    this.transport = new MpTransport({
      config: () => this.discovery?.effective(this.requireConfig()) ?? this.requireConfig(),
      caPem: () => this.trust.caPem,
      tlsCa: () => this.tlsCa(),
      onUntrustedCertificate: () => this.trust.refresh(this.client),
      timeoutMs: this.options.requestTimeoutMs,
      retryDefaultAfterMs: this.options.retryDefaultAfterMs,
      onContact: (contact) => this.contacted(contact),
      logger: root.child({ component: 'mp-transport' }),
    });
    this.sessions = new SessionKeeper({ logger: root.child({ component: 'sessions' }) });
    this.client = new MpClient(this.transport, this.sessions);
    this.inventory = new InventorySender(this.transport, this.sessions);
    this.reachability = new ReachabilityProber(root.child({ component: 'reachability' }));
    this.notifier = this.options.notify ? this.createNotifier(root) : undefined;
    this.upgrader = createAgentUpgrader({
      stateDir: this.options.stateDir,
      runningVersion: AGENT_VERSION,
      releaseKeyFingerprint: () => this.config?.releaseKeyFingerprint ?? null,
      trialMs: this.options.upgradeTrialMs,
      logger: root.child({ component: 'upgrade' }),
    });
  }

  /** The notification client (undefined with `notify: false`). */
  get notification(): NotificationClient | undefined {
    return this.notifier;
  }

  private createNotifier(root: Logger): NotificationClient {
    return createAgentNotifier({
      options: this.options,
      logger: root,
      config: () => this.requireConfig(),
      clientId: () => this.config?.clientId ?? null,
      key: () => this.requireKey(),
      caPem: () => this.tlsCa(),
      sessions: this.sessions,
      onContact: (contact) => this.contacted(contact),
      cycleNow: () => this.cycleNow(),
      sendInventory: () => this.sendInventory(true),
      saveRequestPorts: (ports) => this.saveConfig({ ...this.requireConfig(), ports }),
    });
  }

  /** Runs a cycle (heartbeat, inventory, policy) now; resolves when it succeeded. */
  cycleNow(): Promise<void> {
    if (this.stopping) return Promise.reject(new SiteportError('E_INTERNAL', 'the agent is stopping'));
    return new Promise((resolve, reject) => {
      this.cycleWaiters.push({ resolve, reject });
      this.cycleRequested = true;
      this.waiting.wake();
    });
  }

  private sendInventory(force: boolean): Promise<void> {
    return this.inventory.send(this.config?.clientId, () => this.requireKey(), force);
  }

  /** What status.json reports. */
  private get status(): AgentStatus {
    return this.statusFile.status;
  }

  /** The current lifecycle state. */
  get state(): AgentState {
    return this.current;
  }

  /** The state directory this agent serves. */
  get stateDir(): string {
    return this.store.dir;
  }

  /**
   * Loads the installed client (E_NOT_INSTALLED when there is none), writes agent.pid and starts
   * the cycle loop. Resolves once started; the first cycle runs after `firstDelayMs`.
   */
  start(): Promise<void> {
    if (this.current !== 'idle') {
      return Promise.reject(new SiteportError('E_INTERNAL', `the agent was already started (state ${this.current})`));
    }
    const stray = this.store.removeStrayTempFiles();
    if (stray.length > 0)
      this.log.warn({ files: stray }, 'removed temporary files that interrupted writes left in the state directory');
    this.loadState();
    this.statusFile.resume();
    this.store.writePid(process.pid);
    this.setState('starting');
    this.loopDone = this.loop();
    return Promise.resolve();
  }

  /**
   * Stops gracefully: waits up to `stopTimeoutMs` for the request in flight, closes every socket,
   * writes the final status and removes agent.pid. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopDone ??= this.doStop();
    return this.stopDone;
  }

  /** Re-reads client.json, key and CA (SIGHUP, port switch) and starts a new cycle now. */
  reload(): void {
    if (this.current === 'stopping' || this.current === 'stopped' || this.current === 'idle') return;
    this.reloadRequested = true;
    this.waiting.wake();
  }

  private async doStop(): Promise<void> {
    if (this.current === 'idle') {
      this.current = 'stopped';
      return;
    }
    this.setState('stopping');
    await this.notifier?.stop();
    this.waiting.wake();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopTimeoutMs);
    });
    await Promise.race([this.loopDone, timeout]);
    clearTimeout(timer);
    this.transport.close();
    await this.loopDone;
    for (const w of this.cycleWaiters.splice(0))
      w.reject(new SiteportError('E_INTERNAL', 'the agent stopped before the cycle ran'));
    this.setState('stopped');
    if (this.store.readPid() === process.pid) this.store.remove('pid');
    this.log.info('agent stopped');
  }

  private get stopping(): boolean {
    return this.current === 'stopping' || this.current === 'stopped';
  }

  private requireConfig(): ClientConfig {
    if (this.config === undefined) throw new SiteportError('E_INTERNAL', 'the agent has not loaded client.json');
    return this.config;
  }

  private loadState(): void {
    const { config, key } = loadInstalledClient(this.store);
    this.key = key;
    this.config = config;
    this.trust.load();
    this.discovery = new Discovery(
      {
        store: this.store,
        dnsServers: this.options.dnsServers,
        timeoutMs: this.options.lookupTimeoutMs,
        logger: this.log,
      },
      config,
    );
    this.status.discovery = this.discovery.status();
  }

  private async loop(): Promise<void> {
    let delay = this.options.firstDelayMs;
    let failures = 0;
    for (;;) {
      await this.sleep(delay);
      if (this.stopping) return;
      if (this.reloadRequested) this.applyReload();
      this.cycleRequested = false;
      const waiters = this.cycleWaiters.splice(0);
      try {
        await this.cycle();
        for (const w of waiters) w.resolve();
        failures = 0;
        if (this.stopping) return;
        this.setState('running');
        delay = spreadEarlier(this.interval(), INTERVAL_SPREAD);
      } catch (error) {
        for (const w of waiters) w.reject(error);
        if (this.stopping) return;
        const failure = isSiteportError(error)
          ? error
          : new SiteportError('E_INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
        this.recordError(failure);
        failures += 1;
        delay = retryDelay(failure, failures, this.options.retryBaseMs, this.interval());
        const state = REFUSED_STATES[failure.code];
        if (state !== undefined) this.setState(state);
        this.log.warn({ code: failure.code, retryInMs: delay }, failure.message);
      }
    }
  }

  private interval(): number {
    return this.options.intervalOverrideMs ?? this.requireConfig().policyIntervalSeconds * 1000;
  }

  /** Waits, unless a stop, a reload or a cycle asked for now arrives first. */
  private sleep(ms: number): Promise<void> {
    return this.waiting.sleep(ms, this.stopping || this.reloadRequested || this.cycleRequested);
  }

  private applyReload(): void {
    this.reloadRequested = false;
    try {
      this.loadState();
      this.log.info({ ports: this.requireConfig().ports }, 'reloaded client.json');
      if (AGENT_CHANNELS.reload.hasSubscribers) AGENT_CHANNELS.reload.publish({ ports: this.requireConfig().ports });
    } catch (error) {
      // Keep running on the configuration already loaded; the problem is reported in status.json.
      if (isSiteportError(error)) this.recordError(error);
      this.log.error({ err: error }, 'reload failed; keeping the previous configuration');
    }
  }

  private async cycle(): Promise<void> {
    await this.lookUpDirectory();
    try {
      await this.contactSite();
    } catch (error) {
      if (!isSiteportError(error, 'E_MP_UNREACHABLE') || this.stopping) throw error;
      const found = await this.requireDiscovery().fromDns(this.requireConfig());
      this.status.discovery = this.requireDiscovery().status();
      if (!found) throw error;
      this.log.info({ hosts: this.status.discovery.dns?.accepted }, 'trying management points found in DNS');
      await this.contactSite();
    }
  }

  /** Directory-joined clients read their site every cycle and adopt a newer published version. */
  private async lookUpDirectory(): Promise<void> {
    const { config, adopted } = await this.requireDiscovery().fromDirectory(this.requireConfig());
    this.status.discovery = this.requireDiscovery().status();
    if (adopted) {
      this.saveConfig(config);
      this.log.info(
        { settingsVersion: config.settingsVersion, ports: config.ports },
        'adopted site settings from the directory',
      );
    }
    this.flushStatus();
  }

  private requireDiscovery(): Discovery {
    if (this.discovery === undefined) throw new SiteportError('E_INTERNAL', 'the agent has not loaded client.json');
    return this.discovery;
  }

  private async contactSite(): Promise<void> {
    if (this.trust.caPem === undefined) await this.trust.pin(this.client, this.requireConfig().caFingerprint);
    if (this.requireConfig().clientId === null) await this.register();
    try {
      await this.checkIn();
    } catch (error) {
      if (!isSiteportError(error, 'E_UNKNOWN_CLIENT')) throw error;
      this.log.warn('the site no longer knows this client; registering again');
      this.saveConfig({ ...this.requireConfig(), clientId: null });
      await this.register();
      await this.checkIn();
    }
  }

  /** What HTTPS and the notification channel verify with. */
  private tlsCa(): string | undefined {
    return this.trust.tlsCa();
  }

  private async register(): Promise<void> {
    // A pending client keeps showing that it waits; checking again is part of waiting.
    if (this.current !== 'waiting-approval') this.setState('registering');
    const registered = await registerClient(
      this.client,
      this.requireConfig(),
      this.requireKey(),
      this.options.hostname,
    );
    this.saveConfig(registered.config);
    this.status.lastPolicyAt = new Date().toISOString();
    this.log.info({ clientId: registered.clientId, siteCode: registered.siteCode }, 'registered');
  }

  private async checkIn(): Promise<void> {
    const config = this.requireConfig();
    const clientId = config.clientId;
    if (clientId === null) throw new SiteportError('E_INTERNAL', 'check-in without a client id');
    const key = this.requireKey();
    const body: HeartbeatRequest = {
      settingsVersion: config.settingsVersion,
      agentState: this.current,
      hostname: this.options.hostname,
      stateDir: this.store.dir,
      agentVersion: AGENT_VERSION,
    };
    const record = this.readPortSwitch();
    if (record !== null) body.portSwitch = { at: record.at, httpPort: record.httpPort, httpsPort: record.httpsPort };
    const beat = await this.client.heartbeat(clientId, key, body);
    if (beat.settingsVersion > config.settingsVersion)
      this.log.info({ settingsVersion: beat.settingsVersion }, 'newer settings announced');
    const policy = await this.client.policy(clientId, key);
    // Applied and saved with no await in between: a reload (SIGHUP after a port switch) during a
    // later await must not be overwritten with a configuration derived from the one it replaced.
    const base = this.requireConfig();
    const { config: next, adopted } = applyPolicy(base, policy);
    if (next !== base) {
      this.saveConfig(next);
      if (adopted) this.log.info({ settingsVersion: next.settingsVersion, ports: next.ports }, 'adopted site policy');
      else this.log.info({ managementPoints: next.managementPoints }, 'learnt management points of the site');
    }
    if (this.notifier !== undefined) {
      this.notifier.setPort(policy.ports.notification);
      // Inventory is a report: a failure is logged and retried next cycle, not a failed check-in.
      await this.sendInventory(false).catch((error: unknown) =>
        this.log.warn({ err: error }, 'inventory not reported; retrying next cycle'),
      );
      this.notifier.start();
    }
    // Confirm on the new ports at once, so a rollout sees this client move within one interval.
    if (adopted) await this.client.heartbeat(clientId, key, { ...body, settingsVersion: next.settingsVersion });
    if (AGENT_CHANNELS.policy.hasSubscribers)
      AGENT_CHANNELS.policy.publish({ settingsVersion: policy.settingsVersion, adopted });
    if (policy.probe !== undefined && !this.probed.has(policy.probe.rolloutId)) {
      // A failed pre-flight report must not fail the check-in; it is retried next cycle.
      await this.preflight(clientId, key, policy.probe).catch((error: unknown) =>
        this.log.warn({ err: error }, 'pre-flight report failed'),
      );
    }
    // A report, like inventory: a failure is logged, and the next try is a period later.
    const probeHost = managementPointHosts(this.requireConfig())[0];
    await this.reachability
      .maybeRun({
        policy,
        host: probeHost,
        reached: this.reachedJustNow(probeHost),
        caPem: this.tlsCa(),
        timeoutMs: this.options.requestTimeoutMs,
        send: (results) => this.client.reachability(clientId, key, { results }),
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'reachability not reported; trying next period'));
    // An upgrade step that fails is reported by the upgrader or retried next cycle; the check-in stands.
    const upgrade = await this.upgrader
      .afterCheckIn(upgradeChannel(this.client, clientId, key), policy.agentUpgrade)
      .catch((error: unknown) => {
        this.log.warn({ err: error }, 'agent upgrade step failed; retrying next cycle');
        return 'none' as const;
      });
    this.status.lastPolicyAt = new Date().toISOString();
    this.status.lastError = null;
    this.flushStatus();
    if (upgrade === 'restart') this.options.onRestart?.();
  }

  /** Test-connects to the ports a proposed change would use and reports what it reached. */
  private async preflight(clientId: string, key: IdentityKey, probe: NonNullable<Policy['probe']>): Promise<void> {
    const results = await reportPreflight(this.client, {
      clientId,
      key,
      probe,
      config: this.requireConfig(),
      caPem: this.tlsCa(),
      timeoutMs: this.options.requestTimeoutMs,
    });
    if (results === null) return;
    this.probed.add(probe.rolloutId);
    this.log.info({ rolloutId: probe.rolloutId, results }, 'reported a pre-flight');
  }

  private readPortSwitch(): ReturnType<StateStore['readPortSwitch']> {
    try {
      return this.store.readPortSwitch();
    } catch (error) {
      this.log.warn({ err: error }, 'portswitch.json unreadable; not reported');
      return null;
    }
  }

  private requireKey(): IdentityKey {
    if (this.key === undefined) throw new SiteportError('E_INTERNAL', 'the agent has not loaded its key');
    return this.key;
  }

  private saveConfig(config: ClientConfig): void {
    this.store.writeConfig(config);
    this.config = config;
  }

  /**
   * Ports of `host` this cycle just used (decision 0115): the request port of the check-in's last
   * answer (TLS with the site CA on HTTPS; not through the gateway) and the live notification channel.
   */
  private reachedJustNow(host: string | undefined): ReachabilityCandidate[] {
    const reached: ReachabilityCandidate[] = [];
    const contact = this.status.lastContact;
    const fresh = contact !== null && Date.now() - Date.parse(contact.at) < JUST_NOW_MS;
    if (fresh && contact.mp === host && contact.via === undefined)
      reached.push({ port: contact.port, transport: contact.protocol === 'https' ? 'tls' : 'tcp' });
    const port = this.notifier?.connectedPort ?? null;
    if (port !== null && this.notifier?.connectedHost === host) reached.push({ port, transport: 'tls' });
    return reached;
  }

  private contacted(contact: LastContact): void {
    this.status.lastContact = contact;
    if (this.discovery !== undefined) {
      this.discovery.contacted(this.requireConfig(), contact.mp);
      this.status.discovery = this.discovery.status();
    }
    this.flushStatus();
  }

  private recordError(error: SiteportError): void {
    this.statusFile.recordError(error);
  }

  private setState(next: AgentState): void {
    const from = this.current;
    if (from === next) return;
    this.current = next;
    this.status.state = next;
    this.flushStatus();
    if (AGENT_CHANNELS.state.hasSubscribers) AGENT_CHANNELS.state.publish({ from, to: next });
    this.log.info({ from, to: next }, 'state');
  }

  private flushStatus(): void {
    this.statusFile.flush();
  }
}
