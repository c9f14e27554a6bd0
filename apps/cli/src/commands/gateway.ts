import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type GatewayView, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';
import { runUntilSignal } from './server.js';

interface GatewayCliOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
}

interface SetOptions extends GatewayCliOptions {
  host: string;
  port: string;
}

interface RunOptions extends GatewayCliOptions {
  listen?: string;
  port?: string;
  maxConnections?: string;
  maxBodyBytes?: string;
  maxConcurrent?: string;
  upstreamTimeoutMs?: string;
  refreshMs?: string;
  keyTtlMs?: string;
  logLevel?: string;
}

async function siteOf(client: AdminClient, options: GatewayCliOptions): Promise<string> {
  return options.site !== undefined
    ? parseSiteCode(options.site, '--site')
    : (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function whole(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new SiteportError('E_OPTION', `${flag} must be a whole number, not ${text}`);
  return Number(text);
}

function describe(view: GatewayView): string[] {
  if (view.gateway === null) return [`Site ${view.siteCode}: no gateway; clients outside the network cannot reach it`];
  return [
    `Site ${view.siteCode}: gateway https://${view.gateway.host}:${view.gateway.port}`,
    `  clients use it when no management point answers directly; set ${view.updatedAt ?? ''} by ${view.updatedBy ?? ''}`,
  ];
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `cannot read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: error,
      },
    );
  }
}

/** `siteport gateway`: the gateway for clients outside the network (decision 0113): its setting, and running it. */
export function register(program: Command): void {
  const gateway = program
    .command('gateway')
    .description(
      'the gateway that relays clients outside the network to the management points (show, set, clear, run)',
    );
  withConnectionOptions(
    gateway
      .command('show')
      .description("show a site's gateway (public host name and port), as clients learn it from policy")
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: GatewayCliOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<GatewayView>('GET', `/sites/${await siteOf(client, options)}/gateway`);
    if (options.json === true) printJson(view);
    else printLines(...describe(view));
  });
  withConnectionOptions(
    gateway
      .command('set')
      .description('set the gateway clients use when no management point answers directly; audited')
      .requiredOption('--host <name>', 'public host name (or address) clients outside the network reach the gateway at')
      .requiredOption('--port <port>', 'public HTTPS port of the gateway, e.g. 443')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: SetOptions) => {
    const port = whole('--port', options.port);
    const client = await AdminClient.connect(options);
    const view = await client.request<GatewayView>('PUT', `/sites/${await siteOf(client, options)}/gateway`, {
      host: options.host,
      port,
    });
    if (options.json === true) printJson(view);
    else printLines(...describe(view));
  });
  withConnectionOptions(
    gateway
      .command('clear')
      .description("remove a site's gateway; clients stop using it with their next policy; audited")
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: GatewayCliOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<GatewayView>('DELETE', `/sites/${await siteOf(client, options)}/gateway`);
    if (options.json === true) printJson(view);
    else printLines(...describe(view));
  });
  gateway
    .command('run')
    .description(
      'run a gateway: one public HTTPS port relaying verified requests of registered clients to the management points',
    )
    .requiredOption('--server <url>', "the site server's admin URL")
    .requiredOption(
      '--token-file <file>',
      'file with a token of the gateway role (siteport token create --role gateway)',
    )
    .option('--ca-file <file>', 'the site CA (PEM), to check an https:// site server')
    .requiredOption('--site <code>', 'the site this gateway serves')
    .option('--listen <address>', 'address the public listener binds', '0.0.0.0')
    .option('--port <port>', 'public HTTPS port (0: any free port)', '443')
    .option('--max-connections <n>', 'open connections at once', '10000')
    .option('--max-body-bytes <n>', 'largest request body relayed', '65536')
    .option('--max-concurrent <n>', 'requests relayed at once', '256')
    .option('--upstream-timeout-ms <n>', 'timeout of one relayed request', '30000')
    .option('--refresh-ms <n>', 'how often the management point ports are read from the site', '5000')
    .option('--key-ttl-ms <n>', "how long a client's key and status are held", '30000')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (options: RunOptions) => {
      const { GatewayServer, createLogger } = await import('@siteport/server');
      const token = await readText(options.tokenFile ?? '', '--token-file');
      const ca = options.caFile === undefined ? undefined : await readText(options.caFile, '--ca-file');
      const server = new GatewayServer(
        {
          server: options.server ?? '',
          token,
          ...(ca === undefined ? {} : { ca }),
          siteCode: options.site ?? '',
          ...(options.listen === undefined ? {} : { listenHost: options.listen }),
          ...optionalNumbers({
            port: whole('--port', options.port),
            maxConnections: whole('--max-connections', options.maxConnections),
            maxBodyBytes: whole('--max-body-bytes', options.maxBodyBytes),
            maxConcurrent: whole('--max-concurrent', options.maxConcurrent),
            upstreamTimeoutMs: whole('--upstream-timeout-ms', options.upstreamTimeoutMs),
            refreshMs: whole('--refresh-ms', options.refreshMs),
            keyTtlMs: whole('--key-ttl-ms', options.keyTtlMs),
          }),
        },
        createLogger(options.logLevel ?? 'info'),
      );
      await server.start();
      printLines(
        `siteport gateway for site ${server.options.siteCode} listening on port ${server.port} (public name ${server.publicHost ?? 'not set'})`,
        `  relaying to ${server.endpoints().join(', ') || 'no management point yet'}`,
      );
      await runUntilSignal(server);
    });
}

function optionalNumbers(values: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => e[1] !== undefined));
}
