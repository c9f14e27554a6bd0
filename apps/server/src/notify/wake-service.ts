import type { Logger } from 'pino';
import {
  type NotifyClientResult,
  type WakeClientResult,
  type WakeMode,
  type WakeNeighbourPayload,
  type WakeResult,
  ipv4Broadcast,
  ipv4ToNumber,
} from '@siteport/protocol';
import { parseSecureOnPassword, sendMagicPackets } from '@siteport/wol';
import type { ClientInterface, ClientRepository, InterfaceRepository } from '../clients/index.js';
import type { PortSettingsService } from '../ports/index.js';
import type { NotificationHub } from './notification-hub.js';
import { isOnLink } from './local-subnets.js';
import { mergeResults } from './merge-results.js';
import type { RemoteNotify } from './remote-notify.js';

/** How many proxies are tried for one sleeping client before the site gives up on its subnet. */
const MAX_PROXIES = 3;

/**
 * Wake-on-LAN for a site: magic packets to the site's wake-up UDP port, unicast
 * to the client's last known address (default) or as a subnet-directed broadcast. When this server
 * has no interface on the client's subnet, an awake client on that subnet is asked, through the
 * notification channel, to send the packets there (wake-up proxy); proxies are chosen per subnet
 * automatically among the awake clients of every MP of the site: this MP's first, TCP-connected
 * ones first.
 */
export class WakeService {
  constructor(
    private readonly deps: {
      siteCode: string;
      hub: NotificationHub;
      clients: ClientRepository;
      interfaces: InterfaceRepository;
      ports: PortSettingsService;
      /** How long a proxy has to acknowledge. @default 10000 */
      proxyWaitMs: number;
      /** Whether this host reaches an address without a router. @default {@link isOnLink} */
      onLink?: (address: string) => boolean;
      /** The other MP processes of the site: clients connected there are awake and can be proxies. */
      remote?: () => RemoteNotify | undefined;
      logger: Logger;
    },
  ) {}

  async wake(clientIds: readonly string[], mode: WakeMode, passwordText?: string): Promise<WakeResult> {
    const password = passwordText === undefined ? undefined : parseSecureOnPassword(passwordText);
    const port = (await this.deps.ports.stored(this.deps.siteCode)).settings.wake;
    const results: WakeClientResult[] = [];
    for (const clientId of [...new Set(clientIds)]) {
      results.push(await this.wakeOne(clientId, mode, port, password, passwordText));
    }
    return { mode, port, results };
  }

  private async wakeOne(
    clientId: string,
    mode: WakeMode,
    port: number,
    password: Uint8Array | undefined,
    passwordText: string | undefined,
  ): Promise<WakeClientResult> {
    const base = { clientId, macs: [] as string[], target: null, proxy: null };
    const record = await this.deps.clients.findById(clientId);
    if (record === undefined || record.siteCode !== this.deps.siteCode) return { ...base, outcome: 'unknown-client' };
    if (this.deps.hub.isOnline(clientId))
      return { ...base, outcome: 'awake', note: 'the client is connected; nothing was sent' };
    if (this.deps.remote?.()?.isOnline(clientId) === true) {
      return {
        ...base,
        outcome: 'awake',
        note: 'the client is connected to another management point of the site; nothing was sent',
      };
    }
    const nic = pickInterface(await this.deps.interfaces.ofClient(clientId), record.lastContact?.address ?? null);
    if (nic === undefined) {
      return {
        ...base,
        outcome: 'no-inventory',
        note: 'the client never reported a MAC with an IPv4 address; it must run once with a current agent',
      };
    }
    const macs = [
      ...new Set(
        (await this.deps.interfaces.ofClient(clientId)).filter((i) => i.network === nic.network).map((i) => i.mac),
      ),
    ];
    const broadcast = mode === 'broadcast';
    const address = broadcast ? ipv4Broadcast(nic.address, nic.prefixLength) : nic.address;
    const target = `${address}:${port}`;
    const onLink = this.deps.onLink ?? ((a: string) => isOnLink(a));
    if (!onLink(nic.address)) {
      const viaProxy = await this.viaProxy(clientId, nic, {
        macs,
        address,
        port,
        broadcast,
        ...(passwordText === undefined ? {} : { password: passwordText }),
      });
      if (viaProxy !== null) return { clientId, macs, target, ...viaProxy };
    }
    try {
      await sendMagicPackets({ macs, address, port, broadcast, ...(password === undefined ? {} : { password }) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        clientId,
        macs,
        target,
        proxy: null,
        outcome: 'failed',
        error: { code: 'E_INTERNAL', message: `sending to ${target} failed: ${message}` },
      };
    }
    this.deps.logger.info({ clientId, target, macs, broadcast }, 'sent magic packets');
    return {
      clientId,
      macs,
      target,
      proxy: null,
      outcome: 'sent',
      ...(onLink(nic.address)
        ? {}
        : {
            note: `no interface of this server and no awake client is on ${nic.network}; sent through the router, which may drop it`,
          }),
    };
  }

  /** Asks awake clients on the subnet, one after another, to send the packets. */
  private async viaProxy(
    sleeper: string,
    nic: ClientInterface,
    payload: WakeNeighbourPayload,
  ): Promise<Pick<WakeClientResult, 'proxy' | 'outcome' | 'note' | 'error'> | null> {
    const hub = this.deps.hub;
    const remote = this.deps.remote?.();
    // Awake clients of the subnet, on this MP or another one of the site: this MP's first (no hop
    // through the event bridge), TCP before long-poll (answers at once).
    const candidates = [...new Set((await this.deps.interfaces.onNetwork(nic.network)).map((i) => i.clientId))]
      .filter((id) => id !== sleeper)
      .map((id) => {
        const here = hub.isOnline(id);
        return { id, here, channel: here ? hub.channelOf(id) : (remote?.channelOf(id) ?? null) };
      })
      .filter((c) => c.channel !== null)
      .sort((a, b) => rank(a) - rank(b))
      .slice(0, MAX_PROXIES);
    let last: NotifyClientResult | undefined;
    for (const { id: proxy, here } of candidates) {
      const action = { action: 'wake-neighbour' as const, payload };
      const results =
        here || remote === undefined
          ? await hub.deliver([proxy], action, this.deps.proxyWaitMs)
          : await remote.deliver([proxy], action, this.deps.proxyWaitMs);
      const result = mergeResults(results).find((r) => r.clientId === proxy) ?? {
        clientId: proxy,
        outcome: 'timeout' as const,
        via: null,
      };
      last = result;
      if (result.outcome === 'acknowledged') {
        this.deps.logger.info({ sleeper, proxy, network: nic.network }, 'magic packets sent by a wake-up proxy');
        return { proxy, outcome: 'sent-by-proxy' };
      }
    }
    if (last === undefined) return null;
    return {
      proxy: last.clientId,
      outcome: 'failed',
      error: last.error ?? {
        code: 'E_MP_UNREACHABLE',
        message: `no wake-up proxy on ${nic.network} acknowledged (last: ${last.outcome})`,
      },
    };
  }
}

function rank(candidate: { here: boolean; channel: string | null }): number {
  return (candidate.here ? 0 : 2) + (candidate.channel === 'tcp' ? 0 : 1);
}

/** The interface to wake through: the one with the client's last contact address, else the first IPv4 one. */
function pickInterface(interfaces: ClientInterface[], lastAddress: string | null): ClientInterface | undefined {
  const ipv4 = interfaces.filter((i) => ipv4ToNumber(i.address) !== null);
  const last = lastAddress?.replace(/^::ffff:/, '') ?? null;
  return ipv4.find((i) => i.address === last) ?? ipv4[0];
}
