import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readClientStatus, runSetup } from '@siteport/agent';
import { CLIENT_PAGE_MAX_LIMIT, type ClientList, shellQuote } from '@siteport/protocol';
import { SiteServer } from '@siteport/server';
import { AdminClient } from '../admin-client.js';
import { printErrorLine, printLines, table } from '../format.js';
import { banner } from '../commands/server-banner.js';
import type { DemoOptions } from './demo-options.js';

const BIN = fileURLToPath(new URL('../../bin/siteport.js', import.meta.url));

function startAgent(stateDir: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'agent', '--state', stateDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${path.basename(stateDir)}] ${d.toString()}`));
  return child;
}

/** Client id → state dir name, for the clients that have registered so far. */
function clientNames(stateDirs: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const dir of stateDirs) {
    try {
      const id = readClientStatus(dir).clientId;
      if (id !== null) names.set(id, path.basename(dir));
    } catch {
      // Not registered yet: the row shows the host name instead.
    }
  }
  return names;
}

function printClients(list: ClientList, names: Map<string, string>): void {
  const rows = [['CLIENT', 'ID', 'LAST CONTACT', 'PORT', 'PROTOCOL', 'SETTINGS', 'STATE', 'ACTIVITY']];
  for (const c of list.clients) {
    rows.push([
      names.get(c.clientId) ?? c.hostname,
      c.clientId.slice(0, 8),
      c.lastContact?.at.slice(11, 19) ?? '-',
      String(c.lastContact?.port ?? '-'),
      c.lastContact?.protocol ?? '-',
      `v${c.settingsVersion}`,
      c.agentState,
      c.activity,
    ]);
  }
  printLines('', `${new Date().toISOString().slice(11, 19)}  clients checking in:`, table(rows));
}

/**
 * The quick-start job: a site server on fixed demo ports with the embedded SQLite database, and a
 * few real agent processes (own state dirs) that register and check in over HTTPS, one of them
 * pinned to HTTP. Prints who checked in on which port until Ctrl-C (or --duration).
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const siteDir = path.join(options.dataDir, 'site');
  const base = options.portBase;
  const server = await SiteServer.start({
    dataDir: siteDir,
    siteCode: 'PS1',
    adminPort: options.adminPort,
    bindHost: '127.0.0.1',
    httpPort: base,
    httpAlternatePort: base + 1,
    httpsPort: base + 363,
    httpsAlternatePort: base + 364,
    notificationPort: base + 2043,
    wakePort: 9,
    policyIntervalSeconds: options.policyIntervalSeconds,
    logLevel: 'warn',
  });
  printLines(banner(server.info));
  const ports = server.info.ports;
  const agents: ChildProcess[] = [];
  const stateDirs: string[] = [];
  for (let i = 1; i <= options.clients; i++) {
    const stateDir = path.join(options.dataDir, 'clients', `client-${i}`);
    stateDirs.push(stateDir);
    if (!existsSync(path.join(stateDir, 'client.json'))) {
      runSetup({
        stateDir,
        properties: [
          'SMSSITECODE=PS1',
          'SMSMP=127.0.0.1',
          `CCMHTTPPORT=${ports.http.default}`,
          `CCMHTTPSPORT=${ports.https.default}`,
          `SMSCAFINGERPRINT=${server.info.caFingerprint}`,
        ],
        httpOnly: i === options.clients && options.clients > 1,
      });
    }
    agents.push(startAgent(stateDir));
  }
  const admin = await AdminClient.connect({ server: server.info.adminUrl, tokenFile: server.info.adminTokenFile });
  const rel = (p: string): string => shellQuote(path.relative(process.cwd(), p) || '.');
  printLines([
    '',
    `${options.clients} agents started (the last one is pinned to HTTP). Look at them with:`,
    `  npx siteport client status --state ${rel(stateDirs[0] ?? '')}`,
    `  npx siteport ports show --server ${server.info.adminUrl} --data ${rel(siteDir)}`,
    `  curl -H "Authorization: Bearer $(cat ${rel(server.info.adminTokenFile)})" ${server.info.adminUrl}/api/v1/sites/PS1/clients`,
    'Move the site to another HTTP port and watch the agents follow within one policy interval:',
    `  npx siteport ports set --server ${server.info.adminUrl} --data ${rel(siteDir)} http=${base + 2}`,
    'Press Ctrl-C to stop.',
  ]);

  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.durationSeconds > 0) setTimeout(stop, options.durationSeconds * 1000).unref();
  });
  const ticker = setInterval(
    () => {
      void admin
        .request<ClientList>('GET', `/sites/PS1/clients?limit=${CLIENT_PAGE_MAX_LIMIT}`)
        .then((list) => printClients(list, clientNames(stateDirs)))
        .catch((error: unknown) => printErrorLine(`demo: ${(error as Error).message}`));
    },
    Math.min(options.policyIntervalSeconds, 10) * 1000,
  );
  await done;
  clearInterval(ticker);
  printLines('stopping agents and the site server…');
  await Promise.all(
    agents.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await server.stop();
}
