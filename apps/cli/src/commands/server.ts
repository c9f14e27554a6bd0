import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, applyConfigFile, applyEnvironment } from '../server-config.js';
import type { ServerOptionsInput } from '@siteport/server';
import { printLines } from '../format.js';
import { banner, mpBanner } from './server-banner.js';

interface ServerFlags {
  role?: string;
  data?: string;
  db?: string;
  siteCode?: string;
  adminPort?: string;
  adminHost?: string;
  adminAllowHost?: string[];
  signInFailures?: string;
  sourceFailures?: string;
  lockout?: string;
  bind?: string[];
  httpPort?: string;
  httpsPort?: string;
  httpAlternatePort?: string;
  httpsAlternatePort?: string;
  notificationPort?: string;
  wakePort?: string;
  policyInterval?: string;
  activeWindow?: string;
  publicHost?: string[];
  logLevel?: string;
  config?: string;
  opsPort?: string;
  auditRetentionDays?: string;
  rolloutRetentionDays?: string;
  retiredClientRetentionDays?: string;
  opsBind?: string;
  agentBundle?: string;
  parent?: string;
  parentTokenFile?: string;
  parentCaFile?: string;
  parentWait?: string;
  notifyKeepalive?: string;
  notifyLiveness?: string;
  notifyOfflineAfter?: string;
  tlsHandshakeTimeout?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  keepAliveTimeout?: string;
  maxClientConnections?: string;
  maxConnectionsPerSource?: string;
  maxAdminConnections?: string;
  registrationsPerSource?: string;
  maxPendingClients?: string;
  sessionsPerSource?: string;
}

/** Runs a server until SIGTERM/SIGINT, then stops it gracefully. */
export async function runUntilSignal(server: { stop(): Promise<void> }): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `siteport server`: a site server with one management point and the admin API. */
export function register(program: Command): void {
  const server = program
    .command('server')
    .description(
      'run a site server: site services, one management point, the admin API; or with --role mp an additional management point of the site',
    )
    .option(
      '--role <role>',
      "site: the site server; mp: an additional management point sharing the site's PostgreSQL database (needs --db postgres://… and the site's pki/ in --data)",
      'site',
    )
    .option(
      '--data <dir>',
      "data dir: embedded SQLite database, site CA and keys, admin token (--role mp: the site server's data dir or a copy of its pki/)",
    )
    .option('--db <url>', 'postgres://… to use PostgreSQL instead of the embedded database')
    .option('--site-code <code>', 'site code of a new site (3 letters/digits)', undefined)
    .option('--admin-port <n>', 'admin API port (0 = any free port)', '8440')
    .option('--admin-host <addr>', 'admin API address; other than loopback serves HTTPS', '127.0.0.1')
    .option(
      '--admin-allow-host <name>',
      'another host name the admin API answers to (repeatable; goes into the certificate); other names are refused (DNS rebinding guard)',
      collect,
    )
    .option('--sign-in-failures <n>', 'wrong console passwords for one account name before it is locked (default 5)')
    .option(
      '--source-failures <n>',
      'failed sign-ins, or wrong bearer tokens, from one address before it is blocked (default 20)',
    )
    .option('--lockout <seconds>', 'how long a locked account name or blocked address is refused (default 900)')
    .option(
      '--bind <addr>',
      'address the management point listens on (default :: = IPv6 and IPv4, dual stack; 0.0.0.0 = IPv4 only); repeatable or a comma list for several specific addresses (127.0.0.1,::1)',
      collect,
    )
    .option('--http-port <n>', "a new site's HTTP request port (0 = any free port)")
    .option('--https-port <n>', "a new site's HTTPS request port")
    .option('--http-alternate-port <n>', "a new site's alternate HTTP port")
    .option('--https-alternate-port <n>', "a new site's alternate HTTPS port")
    .option('--notification-port <n>', "a new site's client notification port (TCP)")
    .option('--wake-port <n>', "a new site's wake-up port (UDP)")
    .option('--policy-interval <seconds>', "a new site's policy interval", undefined)
    .option('--active-window <seconds>', 'clients silent for longer are inactive (default 3 policy intervals)')
    .option(
      '--public-host <name>',
      'host name clients use for this MP (repeatable; goes into the certificate and policy)',
      collect,
    )
    .option('--log-level <level>', 'log level: fatal, error, warn, info, debug, trace or silent', 'info')
    .option(
      '--ops-port <n>',
      'operations listener: Prometheus /metrics, /health and /ready (0 = any free port; default: none)',
    )
    .option(
      '--audit-retention-days <days>',
      'audit entries older than this are removed (0 = keep forever; default 365)',
    )
    .option(
      '--rollout-retention-days <days>',
      'finished rollouts older than this are removed with their pre-flight reports (0 = forever; default 90)',
    )
    .option(
      '--retired-client-retention-days <days>',
      'clients retired longer ago than this are removed (0 = forever; default 90)',
    )
    .option('--ops-bind <addr>', 'address of the operations listener (default 127.0.0.1; it has no authentication)')
    .option(
      '--agent-bundle <file>',
      'agent bundle for push installation; default: apps/agent/dist/siteport-agent-<version>.tar.gz, built by npm install, npm test and npm run bundle:agent',
    )
    .option(
      '--parent <url>',
      "run a secondary site attached to the primary whose admin API is at URL; it inherits the primary's ports",
    )
    .option('--parent-token-file <file>', "file with the primary's admin token (a copy of its <data>/admin-token)")
    .option('--parent-ca-file <file>', "CA certificate of the primary's HTTPS admin API")
    .option('--parent-wait <seconds>', 'how long the primary may hold each sync long poll (1–55)', undefined)
    .option(
      '--notify-keepalive <seconds>',
      'keep-alive interval of the notification channel: agents ping this often, or with --notify-liveness tcp the kernel probes a connection idle this long (default 60)',
    )
    .option(
      '--notify-liveness <ping|tcp>',
      'how dead notification connections are found: ping (agents ping, default) or tcp (TCP keep-alive, agents do not ping; see decision 0108)',
    )
    .option(
      '--notify-offline-after <seconds>',
      'a client silent on its channel or long-poll this long is offline (default 300)',
    )
    .option(
      '--tls-handshake-timeout <seconds>',
      'a TLS connection (HTTPS, notification, HTTPS admin) must finish its handshake within this (default 10)',
    )
    .option('--headers-timeout <seconds>', "an HTTP request's headers must arrive within this (default 10)")
    .option('--request-timeout <seconds>', 'a whole HTTP request must arrive within this (default 30)')
    .option(
      '--keep-alive-timeout <seconds>',
      'an idle HTTP connection between requests is closed after this (default 65)',
    )
    .option(
      '--max-client-connections <n>',
      'connections on the request ports and notification port together (default: the open-file limit - admin cap - 512)',
    )
    .option(
      '--max-connections-per-source <n>',
      'connections one address (IPv6: one /64) may hold on the request ports, and on the notification port (default 1000)',
    )
    .option(
      '--max-admin-connections <n>',
      'connections the admin listener holds, half of them per address; kept apart from the client cap (default 128)',
    )
    .option(
      '--registrations-per-source <n>',
      'registrations one source address (IPv6: /64) may make a minute at each MP, in bursts of as many; 0 = no limit (default 60)',
    )
    .option(
      '--max-pending-clients <n>',
      'clients a site holds waiting for approval (registration mode approve-new); a new client beyond it is refused until some are approved, blocked or retired; 0 = no cap (default 10000)',
    )
    .option(
      '--sessions-per-source <n>',
      'client session openings one source address may make a minute at each MP; 0 = no limit (default 600)',
    )
    .option(
      '--config <file>',
      `TOML file of these settings, keys without the dashes (default ${DEFAULT_CONFIG_FILE} when it exists); flags win, then SITEPORT_* variables (SITEPORT_ADMIN_PORT=…), then the file`,
    );
  server.action(async (_flags: ServerFlags, command: Command) => {
    applyEnvironment(command);
    applyConfigFile(command, command.opts<ServerFlags>().config);
    const flags = command.opts<ServerFlags>();
    // Loaded here so that agent-side commands never load the server and its database driver.
    const { MpServer, SiteServer } = await import('@siteport/server');
    const input: ServerOptionsInput = {
      ...(flags.role === undefined ? {} : { role: flags.role }),
      ...(flags.data === undefined ? {} : { dataDir: flags.data }),
      ...(flags.db === undefined ? {} : { databaseUrl: flags.db }),
      ...(flags.siteCode === undefined ? {} : { siteCode: flags.siteCode }),
      ...(flags.adminPort === undefined ? {} : { adminPort: flags.adminPort }),
      ...(flags.adminHost === undefined ? {} : { adminHost: flags.adminHost }),
      ...(flags.adminAllowHost === undefined ? {} : { adminAllowHosts: flags.adminAllowHost }),
      ...(flags.signInFailures === undefined ? {} : { signInFailures: flags.signInFailures }),
      ...(flags.sourceFailures === undefined ? {} : { sourceFailures: flags.sourceFailures }),
      ...(flags.lockout === undefined ? {} : { lockoutSeconds: flags.lockout }),
      ...(flags.bind === undefined ? {} : { bindHost: flags.bind }),
      ...(flags.httpPort === undefined ? {} : { httpPort: flags.httpPort }),
      ...(flags.httpsPort === undefined ? {} : { httpsPort: flags.httpsPort }),
      ...(flags.httpAlternatePort === undefined ? {} : { httpAlternatePort: flags.httpAlternatePort }),
      ...(flags.httpsAlternatePort === undefined ? {} : { httpsAlternatePort: flags.httpsAlternatePort }),
      ...(flags.notificationPort === undefined ? {} : { notificationPort: flags.notificationPort }),
      ...(flags.wakePort === undefined ? {} : { wakePort: flags.wakePort }),
      ...(flags.policyInterval === undefined ? {} : { policyIntervalSeconds: flags.policyInterval }),
      ...(flags.activeWindow === undefined ? {} : { activeWindowSeconds: flags.activeWindow }),
      ...(flags.publicHost === undefined ? {} : { publicHosts: flags.publicHost }),
      ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
      ...(flags.opsPort === undefined ? {} : { opsPort: flags.opsPort }),
      ...(flags.opsBind === undefined ? {} : { opsHost: flags.opsBind }),
      ...(flags.auditRetentionDays === undefined ? {} : { auditRetentionDays: flags.auditRetentionDays }),
      ...(flags.rolloutRetentionDays === undefined ? {} : { rolloutRetentionDays: flags.rolloutRetentionDays }),
      ...(flags.retiredClientRetentionDays === undefined
        ? {}
        : { retiredClientRetentionDays: flags.retiredClientRetentionDays }),
      ...(flags.agentBundle === undefined ? {} : { agentBundle: flags.agentBundle }),
      ...(flags.parent === undefined ? {} : { parentUrl: flags.parent }),
      ...(flags.parentTokenFile === undefined ? {} : { parentTokenFile: flags.parentTokenFile }),
      ...(flags.parentCaFile === undefined ? {} : { parentCaFile: flags.parentCaFile }),
      ...(flags.parentWait === undefined ? {} : { parentWaitSeconds: flags.parentWait }),
      ...(flags.notifyKeepalive === undefined ? {} : { notifyKeepAliveSeconds: flags.notifyKeepalive }),
      ...(flags.notifyLiveness === undefined ? {} : { notifyLiveness: flags.notifyLiveness }),
      ...(flags.notifyOfflineAfter === undefined ? {} : { notifyOfflineSeconds: flags.notifyOfflineAfter }),
      ...(flags.tlsHandshakeTimeout === undefined ? {} : { tlsHandshakeTimeoutSeconds: flags.tlsHandshakeTimeout }),
      ...(flags.headersTimeout === undefined ? {} : { headersTimeoutSeconds: flags.headersTimeout }),
      ...(flags.requestTimeout === undefined ? {} : { requestTimeoutSeconds: flags.requestTimeout }),
      ...(flags.keepAliveTimeout === undefined ? {} : { keepAliveTimeoutSeconds: flags.keepAliveTimeout }),
      ...(flags.maxClientConnections === undefined ? {} : { maxClientConnections: flags.maxClientConnections }),
      ...(flags.maxConnectionsPerSource === undefined
        ? {}
        : { maxConnectionsPerSource: flags.maxConnectionsPerSource }),
      ...(flags.maxAdminConnections === undefined ? {} : { maxAdminConnections: flags.maxAdminConnections }),
      ...(flags.registrationsPerSource === undefined ? {} : { registrationsPerSource: flags.registrationsPerSource }),
      ...(flags.sessionsPerSource === undefined ? {} : { sessionsPerSource: flags.sessionsPerSource }),
      ...(flags.maxPendingClients === undefined ? {} : { maxPendingClients: flags.maxPendingClients }),
    };
    if (flags.role === 'mp') {
      const mp = await MpServer.start(input);
      printLines(mpBanner(mp.info));
      await runUntilSignal(mp);
      return;
    }
    const server = await SiteServer.start(input);
    printLines(banner(server.info));
    await runUntilSignal(server);
  });
}
