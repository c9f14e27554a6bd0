// Over 400 lines on purpose for now: the agent daemon's one state machine (cycle, backoff, reload, stop) reads best in one file; splitting it is part of the apps/server-style feature reshape still open.
import type { Logger } from 'pino';
import { backoffDelay, spreadEarlier, spreadLater } from '@siteport/backoff';
import {
  type CaResponse,
  type ErrorCode,
  type HeartbeatRequest,
  type Policy,
  type ReachabilityCandidate,
  SiteportError,
  isSiteportError,
} from '@siteport/protocol';
import { AGENT_VERSION, type AgentOptions, type ResolvedAgentOptions, resolveAgentOptions } from './agent-options.js';
import type { AgentState, AgentStatus, LastContact } from './agent-status.js';
import { initialAgentStatus } from './agent-status.js';
import { applyPolicy } from './apply-policy.js';
import { type ClientConfig, managementPointHosts } from './client-config.js';
import { AGENT_CHANNELS } from './diagnostics.js';
import { Discovery } from './discovery/discovery.js';
import { type IdentityKey, loadIdentityKey } from './identity-key.js';
import { createAgentLogger } from './logger.js';
import { MpClient } from './mp-client.js';
import { MpTransport } from './mp-transport.js';
import { fetchSiteCa, siteTrustAnchors } from './pin-ca.js';
import { reportPreflight } from './probe.js';
import { ReachabilityProber } from './reachability/index.js';
import { StateStore } from './state-store.js';
import { createAgentNotifier } from './notify/agent-notifier.js';
import { collectInterfaces } from './notify/inventory.js';
import { reportInventory } from './notify/inventory-report.js';
import type { NotificationClient } from './notify/notification-client.js';
import { SessionKeeper } from './session/session-keeper.js';
import { AgentUpgrader, LAUNCHER_ENV, type UpgradeChannel } from './upgrade/index.js';

/** A contact this recent proves its port for the reachability probe of the same cycle (decision 0115). */
const JUST_NOW_MS = 60_000;

/**
 * How much of the policy interval a cycle may start early, at random, so that a fleet started
 * together (a site restart, a mass install) drifts apart instead of polling in step; a cycle never
 * starts later than the interval, so a rollout still sees every client within one.
 */
const INTERVAL_SPREAD = 0.1;
/** Up to this much more than the site's Retry-After, at random (decision 0095). */
const RETRY_AFTER_SPREAD = 0.2;

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
 * their own live beside it: notifier wiring (notify/agent-notifier.ts), CA pinning (pin-ca.ts),
 * pre-flight (probe.ts), policy adoption (apply-policy.ts), discovery (discovery/).
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
  private caPem: string | undefined;
  /** Further TLS trust anchors the site signed (decision 0101), and when they were last fetched. */
  private trustPem: string | undefined;
  private trustFetchedAt = 0;
  private status: AgentStatus = initialAgentStatus();
  private loopDone: Promise<void> | undefined;
  private stopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private reloadRequested = false;
  /** Pre-flight rollouts this process has already reported on. */
  private readonly probed = new Set<string>();
  /** Slow probing of which MP ports this client reaches (decision 0109). */
  private readonly reachability: ReachabilityProber;
  private discovery: Discovery | undefined;
  private cycleRequested = false;
  private cycleWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private inventorySent = '';
  private readonly notifier: NotificationClient | undefined;
  private readonly upgrader: AgentUpgrader;

  constructor(options: AgentOptions) {
    this.options = resolveAgentOptions(options);
    this.store = new StateStore(this.options.stateDir);
    const root = this.options.logger ?? createAgentLogger(this.options.logLevel);
    this.log = root.child({ component: 'agent' });
    this.transport = new MpTransport({
      config: () => this.discovery?.effective(this.requireConfig()) ?? this.requireConfig(),
      caPem: () => this.caPem,
      tlsCa: () => this.tlsCa(),
      onUntrustedCertificate: () => this.refreshTrust(),
      timeoutMs: this.options.requestTimeoutMs,
      retryDefaultAfterMs: this.options.retryDefaultAfterMs,
      onContact: (contact) => this.contacted(contact),
      logger: root.child({ component: 'mp-transport' }),
    });
    this.sessions = new SessionKeeper({ logger: root.child({ component: 'sessions' }) });
    this.client = new MpClient(this.transport, this.sessions);
    this.reachability = new ReachabilityProber(root.child({ component: 'reachability' }));
    this.notifier = this.options.notify ? this.createNotifier(root) : undefined;
    this.upgrader = new AgentUpgrader({
      stateDir: this.options.stateDir,
      runningVersion: AGENT_VERSION,
      releaseKeyFingerprint: () => this.config?.releaseKeyFingerprint ?? null,
      trialMs: this.options.upgradeTrialMs,
      logger: root.child({ component: 'upgrade' }),
      launched: process.env[LAUNCHER_ENV] === '1',
    });
  }

  /** The upgrade calls of the MP for this client (decision 0111). */
  private upgradeChannel(clientId: string, key: IdentityKey): UpgradeChannel {
    return {
      offer: () => this.client.upgradeOffer(clientId, key),
      part: (version, part) => this.client.upgradePart(clientId, key, version, part),
      report: (body) => this.client.upgradeReport(clientId, key, body),
    };
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
      this.wake?.();
    });
  }

  private async sendInventory(force: boolean): Promise<void> {
    const clientId = this.config?.clientId;
    if (clientId === null || clientId === undefined) return;
    const interfaces = collectInterfaces();
    const text = JSON.stringify(interfaces);
    if (!force && text === this.inventorySent) return;
    await reportInventory(this.transport, this.sessions, clientId, this.requireKey(), interfaces);
    this.inventorySent = text;
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
    try {
      this.status = { ...this.store.readStatus(), lastError: null };
    } catch (error) {
      // status.json is only a report; a torn one is rewritten, not fatal.
      this.log.warn({ err: error }, 'status.json unreadable; starting with a fresh status');
    }
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
    this.wake?.();
  }

  private async doStop(): Promise<void> {
    if (this.current === 'idle') {
      this.current = 'stopped';
      return;
    }
    this.setState('stopping');
    await this.notifier?.stop();
    this.wake?.();
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
    const config = this.store.readConfig();
    const keyPem = this.store.readText('key');
    if (keyPem === undefined) {
      throw new SiteportError(
        'E_STATE_CORRUPT',
        `${this.store.file('key')} is missing; rerun siteport setup --state ${this.store.dir} to create a new identity`,
      );
    }
    try {
      this.key = loadIdentityKey(keyPem);
    } catch (error) {
      throw new SiteportError(
        'E_STATE_CORRUPT',
        `${this.store.file('key')} is not a valid key; rerun siteport setup --state ${this.store.dir}`,
        {
          cause: error,
        },
      );
    }
    this.config = config;
    this.caPem = this.store.readText('ca');
    this.trustPem = this.store.readText('trust');
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
        delay = this.retryDelay(failure, failures);
        const state = REFUSED_STATES[failure.code];
        if (state !== undefined) this.setState(state);
        this.log.warn({ code: failure.code, retryInMs: delay }, failure.message);
      }
    }
  }

  /**
   * How long to wait after a failed cycle: the backoff with full jitter, its ceiling doubling from
   * `retryBaseMs` up to the interval (a pending, blocked or retired client too: it asks about once
   * an interval once the ceiling is there); at least the site's Retry-After, with up to a fifth
   * more at random so a rate-limited crowd does not come back at once (decision 0095).
   */
  private retryDelay(failure: SiteportError, failures: number): number {
    const backoff = backoffDelay(failures - 1, { baseMs: this.options.retryBaseMs, capMs: this.interval() });
    const retryAfter = failure.details?.retryAfterSeconds;
    if (failure.code !== 'E_RATE_LIMITED' || typeof retryAfter !== 'number' || !(retryAfter > 0)) return backoff;
    return Math.max(backoff, spreadLater(Math.min(retryAfter, 3600) * 1000, RETRY_AFTER_SPREAD));
  }

  private interval(): number {
    return this.options.intervalOverrideMs ?? this.requireConfig().policyIntervalSeconds * 1000;
  }

  /** Waits, unless a stop or reload arrives first. Never a busy loop: one timer at a time. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.reloadRequested || this.cycleRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
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
    if (this.caPem === undefined) await this.pinCa();
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

  private async pinCa(): Promise<void> {
    const ca = await fetchSiteCa(this.client, this.requireConfig().caFingerprint);
    this.store.writeText('ca', ca.caCertificate);
    this.caPem = ca.caCertificate;
    this.adoptTrust(ca);
    this.log.info({ siteCode: ca.siteCode, fingerprint: ca.fingerprint }, 'pinned the site CA');
  }

  /** The pinned CA and the further anchors the site signed: what HTTPS and the notification channel verify with. */
  private tlsCa(): string | undefined {
    return this.caPem === undefined || this.trustPem === undefined
      ? this.caPem
      : `${this.caPem.trim()}\n${this.trustPem}`;
  }

  /** Takes the further anchors a CA answer names once they verify with the pinned CA; true when they changed. */
  private adoptTrust(ca: CaResponse): boolean {
    if (this.caPem === undefined) return false;
    let anchors: string | undefined;
    try {
      anchors = siteTrustAnchors(ca, this.caPem);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "ignored trust anchors that are not the site's");
      return false;
    }
    if (anchors === undefined || anchors === this.trustPem) return false;
    this.store.writeText('trust', anchors);
    this.trustPem = anchors;
    this.log.info('trusting the certificate chain the site imported for its management points');
    return true;
  }

  /**
   * A management point's HTTPS certificate did not verify with what the agent trusts: the site may
   * serve an imported certificate (decision 0101). Fetches the anchors the site signed, at most once a minute.
   */
  private async refreshTrust(): Promise<boolean> {
    if (this.caPem === undefined || Date.now() - this.trustFetchedAt < 60_000) return false;
    this.trustFetchedAt = Date.now();
    try {
      return this.adoptTrust(await this.client.fetchCa(true));
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, "cannot fetch the site's trust anchors");
      return false;
    }
  }

  private async register(): Promise<void> {
    // A pending client keeps showing that it waits; checking again is part of waiting.
    if (this.current !== 'waiting-approval') this.setState('registering');
    const config = this.requireConfig();
    const key = this.requireKey();
    const token = config.registrationToken ?? null;
    const response = await this.client.register(
      {
        siteCode: config.siteCode,
        hostname: this.options.hostname,
        publicKey: key.publicKeyPem,
        category: config.category,
        agentVersion: AGENT_VERSION,
        ...(token === null ? {} : { registrationToken: token }),
      },
      key,
    );
    // Registered: the token is spent (or was not needed); re-registrations of this key need none.
    const registered = { ...config, clientId: response.clientId, siteCode: response.siteCode, registrationToken: null };
    this.saveConfig(applyPolicy(registered, response.policy).config);
    this.status.lastPolicyAt = new Date().toISOString();
    this.log.info({ clientId: response.clientId, siteCode: response.siteCode }, 'registered');
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
      .afterCheckIn(this.upgradeChannel(clientId, key), policy.agentUpgrade)
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
    this.status.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
    this.flushStatus();
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
    try {
      this.store.writeStatus(this.status);
    } catch (error) {
      this.log.error({ err: error, file: this.store.file('status') }, 'cannot write status.json');
    }
  }
}
