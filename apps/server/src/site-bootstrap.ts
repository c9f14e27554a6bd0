import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Logger } from 'pino';
import { SiteportError, defaultPortSettings, validatePortSettings, type PortSettings } from '@siteport/protocol';
import type { SiteRepository } from './site/index.js';
import type { ServerOptions } from './server-options.js';
import type { Kysely, SiteDatabase } from '@siteport/db';

/** The kernel's range for the source ports of outgoing connections (Linux; elsewhere the IANA dynamic range). */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // Not Linux.
  }
  return { low: 49152, high: 65535 };
}

/** Where free ports for a new site are looked for: below the ephemeral range, from 24000 up (clear of the ports examples use). */
const PICK_FROM = 24_000;
const PICK_ATTEMPTS = 64;

/**
 * Distinct free ports for a new site, each held until released (so none is handed out twice). They are picked at random below the kernel's
 * ephemeral range, so an outgoing connection of any process — which takes its source port from
 * that range — cannot take one between the pick and the MP's bind; only if none is found there
 * does the kernel choose (port 0).
 */
class FreePorts {
  private readonly held: net.Server[] = [];
  private readonly range = ephemeralRange();

  /** `hosts`: the MP's bind addresses; a port is free only when it is free on each. */
  constructor(private readonly hosts: readonly string[]) {}

  async take(): Promise<number> {
    const top = Math.min(this.range.low, 65536) - 1;
    for (let attempt = 0; attempt < PICK_ATTEMPTS && top > PICK_FROM; attempt++) {
      const port = randomInt(PICK_FROM, top + 1);
      const servers = await this.listenAll(port).catch(() => undefined);
      if (servers !== undefined) return this.hold(servers);
    }
    return this.hold(await this.listenAll(0));
  }

  async release(): Promise<void> {
    await Promise.all(this.held.map(close));
  }

  private hold(servers: net.Server[]): number {
    this.held.push(...servers);
    return (servers[0]!.address() as net.AddressInfo).port;
  }

  /** Holds `port` on every address (0: the kernel picks it on the first, the others take the same). */
  private async listenAll(port: number): Promise<net.Server[]> {
    const servers: net.Server[] = [];
    try {
      for (const host of this.hosts) {
        const wanted = servers[0] === undefined ? port : (servers[0].address() as net.AddressInfo).port;
        servers.push(await this.listen(host, wanted));
      }
      return servers;
    } catch (error) {
      await Promise.all(servers.map(close));
      throw error;
    }
  }

  private listen(host: string, port: number): Promise<net.Server> {
    const server = net.createServer();
    return new Promise<net.Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve(server));
    });
  }
}

const close = (server: net.Server): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve()));

/** The initial port settings of a new site from the options; 0 becomes a free port. */
async function initialSettings(options: ServerOptions): Promise<PortSettings> {
  const free = new FreePorts(options.bindHosts);
  try {
    return await pickSettings(options, (port) => (port === 0 ? free.take() : Promise.resolve(port)));
  } finally {
    await free.release();
  }
}

async function pickSettings(options: ServerOptions, pick: (port: number) => Promise<number>): Promise<PortSettings> {
  const p = options.initialPorts;
  const settings = defaultPortSettings();
  settings.http = {
    default: await pick(p.http),
    alternate: p.httpAlternate === null ? null : await pick(p.httpAlternate),
  };
  settings.https = {
    default: await pick(p.https),
    alternate: p.httpsAlternate === null ? null : await pick(p.httpsAlternate),
  };
  settings.notification = await pick(p.notification);
  settings.wake = p.wake === 0 ? 9 : p.wake;
  try {
    validatePortSettings(settings);
  } catch (error) {
    throw new SiteportError('E_OPTION', `the initial ports conflict: ${(error as Error).message}`, { cause: error });
  }
  return settings;
}

/**
 * Finds the site this data dir holds, or creates it (a primary site with the default ports,
 * or the ports given on the command line). Returns its code.
 */
export async function ensureSite(sites: SiteRepository, options: ServerOptions, logger: Logger): Promise<string> {
  const codes = await sites.listCodes();
  const existing = codes[0];
  if (existing !== undefined) {
    if (options.siteCode !== undefined && options.siteCode !== existing) {
      throw new SiteportError(
        'E_OPTION',
        `the data dir ${options.dataDir} holds site ${existing}, not ${options.siteCode}; use another --data for a new site or drop --site-code`,
      );
    }
    logger.debug({ siteCode: existing }, 'site loaded');
    return existing;
  }
  const code = options.siteCode ?? 'PS1';
  const now = new Date().toISOString();
  await sites.create(
    {
      code,
      name: `Site ${code}`,
      kind: 'primary',
      parentCode: null,
      policyIntervalSeconds: options.policyIntervalSeconds,
      activeWindowSeconds: options.activeWindowSeconds ?? options.policyIntervalSeconds * 3,
      createdAt: now,
    },
    {
      settings: await initialSettings(options),
      communicationMode: 'https-or-http',
      updatedAt: now,
      updatedBy: 'setup',
    },
  );
  logger.info({ siteCode: code }, 'site created');
  return code;
}

/** Whether any initial port option is 0 (pick a free port). */
export function picksFreePorts(options: ServerOptions): boolean {
  const p = options.initialPorts;
  return [p.http, p.https, p.notification, p.httpAlternate, p.httpsAlternate].includes(0);
}

/**
 * A free port picked for a new site can be taken by another program between the pick and the
 * MP's bind. Picks the free ports of a just-created site again (version 1 only, nothing announced).
 */
export async function repickFreePorts(
  sites: SiteRepository,
  db: Kysely<SiteDatabase>,
  options: ServerOptions,
  code: string,
): Promise<void> {
  const stored = await sites.ports(code);
  if (stored?.version !== 1) return;
  const settings = await initialSettings(options);
  await db.transaction().execute(async (trx) => {
    await sites.replacePorts(
      trx,
      { ...stored, settings: { ...settings, descriptions: stored.settings.descriptions } },
      1,
    );
  });
}
