import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  type ChannelList,
  type NotifyBody,
  type NotifyClientResult,
  type NotifyResult,
  SiteportError,
  SwitchPortsPayload,
  WakeNeighbourPayload,
  type WakeBody,
  type WakeResult,
} from '@siteport/protocol';
import type { ClientRepository } from '../clients/index.js';
import type { NotificationHub } from './notification-hub.js';
import type { NotificationListener } from './notification-listener.js';
import { mergeResults } from './merge-results.js';
import type { RemoteNotify } from './remote-notify.js';
import type { WakeService } from './wake-service.js';

const switchCheck = TypeCompiler.Compile(SwitchPortsPayload);
const wakeCheck = TypeCompiler.Compile(WakeNeighbourPayload);

/** Default time to wait for each client's acknowledgement of a push. */
const DEFAULT_NOTIFY_WAIT_SECONDS = 10;

/** What the admin API does with notifications: push actions, wake clients, show presence. */
export class NotifyService {
  constructor(
    private readonly deps: {
      siteCode: string;
      hub: NotificationHub;
      listener: () => NotificationListener | undefined;
      clients: ClientRepository;
      wake: WakeService;
      offlineAfterSeconds: number;
      /** The other MP processes of the site (several MPs on PostgreSQL); absent with one process. */
      remote?: () => RemoteNotify | undefined;
    },
  ) {}

  /**
   * The notification port's connections now, the bytes written to them and not yet sent, and the
   * sessions dropped since start for not reading or for flooding (decision 0091).
   */
  channelStats(): {
    connections: number;
    pendingOutputBytes: number;
    dropped: { notReading: number; flooding: number };
  } {
    const listener = this.deps.listener();
    if (listener === undefined)
      return { connections: 0, pendingOutputBytes: 0, dropped: { notReading: 0, flooding: 0 } };
    return {
      connections: listener.connectionCount(),
      pendingOutputBytes: listener.pendingOutputBytes(),
      dropped: listener.dropped(),
    };
  }

  /** Validates a push request, delivers the action, and reports per client. */
  async notify(body: NotifyBody): Promise<NotifyResult> {
    if ((body.clients === undefined || body.clients.length === 0) && body.all !== true) {
      throw new SiteportError(
        'E_VALIDATION',
        'name at least one client id, or set "all": true for every online client',
      );
    }
    checkPayload(body.action, body.payload);
    const waitMs = Math.round((body.waitSeconds ?? DEFAULT_NOTIFY_WAIT_SECONDS) * 1000);
    const action = { action: body.action, ...(body.payload === undefined ? {} : { payload: body.payload }) };
    const hub = this.deps.hub;
    const remote = this.deps.remote?.();
    if (body.all === true) {
      const [here, elsewhere] = await Promise.all([
        hub.deliver(hub.onlineClients(), action, waitMs),
        remote?.deliver(null, action, waitMs) ?? [],
      ]);
      // One process (or none elsewhere answered): the hub's results are already one per client.
      return { action: body.action, results: elsewhere.length === 0 ? here : mergeResults([...here, ...elsewhere]) };
    }
    const ids = [...new Set(body.clients ?? [])];
    const unknown: NotifyClientResult[] = [];
    const known: string[] = [];
    for (const id of ids) {
      const online = hub.isOnline(id) || remote?.isOnline(id) === true;
      const record = online ? { siteCode: this.deps.siteCode } : await this.deps.clients.findById(id);
      if (record === undefined || record.siteCode !== this.deps.siteCode)
        unknown.push({ clientId: id, outcome: 'unknown-client', via: null });
      else known.push(id);
    }
    // Clients not connected here may be connected to another MP process of the site.
    const away = known.filter((id) => !hub.isOnline(id));
    const [here, elsewhere] = await Promise.all([
      hub.deliver(known, action, waitMs),
      remote === undefined || away.length === 0 ? [] : remote.deliver(away, action, waitMs),
    ]);
    const byId = new Map([...mergeResults([...here, ...elsewhere]), ...unknown].map((r) => [r.clientId, r]));
    return { action: body.action, results: ids.map((id) => byId.get(id)).filter((r) => r !== undefined) };
  }

  wakeClients(body: WakeBody): Promise<WakeResult> {
    return this.deps.wake.wake(body.clients, body.mode ?? 'unicast', body.password);
  }

  channels(): ChannelList {
    const listener = this.deps.listener();
    const here = this.deps.hub.views();
    const online = new Set(here.filter((v) => v.online).map((v) => v.clientId));
    const elsewhere = (this.deps.remote?.()?.views() ?? []).filter((v) => !online.has(v.clientId));
    const moved = new Set(elsewhere.map((v) => v.clientId));
    return {
      port: listener?.port ?? null,
      tcpSessions: this.deps.hub.tcpCount(),
      offlineAfterSeconds: this.deps.offlineAfterSeconds,
      clients: [...here.filter((v) => v.online || !moved.has(v.clientId)), ...elsewhere],
    };
  }
}

function checkPayload(action: NotifyBody['action'], payload: unknown): void {
  switch (action) {
    case 'policy':
    case 'heartbeat':
      if (payload !== undefined) throw new SiteportError('E_VALIDATION', `the ${action} action takes no payload`);
      return;
    case 'switch-ports':
      if (!switchCheck.Check(payload)) {
        throw new SiteportError(
          'E_VALIDATION',
          'switch-ports needs a payload {http:{default,alternate}, https:{default,alternate}, notification?} with ports 1–65535',
        );
      }
      if (payload.http.default === payload.https.default) {
        throw new SiteportError(
          'E_PORT_CONFLICT',
          `the HTTP and HTTPS default ports must differ, both are ${payload.http.default}`,
        );
      }
      return;
    case 'wake-neighbour':
      if (!wakeCheck.Check(payload)) {
        throw new SiteportError(
          'E_VALIDATION',
          'wake-neighbour needs a payload {macs:[aa:bb:cc:dd:ee:ff…], address, port, broadcast, password?}',
        );
      }
      return;
  }
}
