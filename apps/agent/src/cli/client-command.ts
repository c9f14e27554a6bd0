import { createHash, createPublicKey } from 'node:crypto';
import type { Command } from 'commander';
import { SiteportError, printJson, printLines } from '@siteport/protocol';
import { type ClientStatus, readClientStatus } from '../client-status.js';
import { StateStore } from '../state-store.js';

/** The SHA-256 of the client's public key (SPKI DER), as the site stores it; the push installer matches registrations on it. */
export function identityOf(stateDir: string): { keyFingerprint: string; clientId: string | null; siteCode: string } {
  const store = new StateStore(stateDir);
  const config = store.readConfig();
  const pem = store.readText('key');
  if (pem === undefined) throw new SiteportError('E_STATE_CORRUPT', `${store.file('key')} is missing; rerun setup`);
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return {
    keyFingerprint: createHash('sha256').update(der).digest('hex'),
    clientId: config.clientId,
    siteCode: config.siteCode,
  };
}

/**
 * `client status --state DIR [--json]`: the client's site, MPs, ports and last contact; `client
 * identity --state DIR`: its key fingerprint and client id as JSON (what push installation reads).
 */
export function registerClient(program: Command): void {
  const client =
    program.commands.find((command) => command.name() === 'client') ??
    program.command('client').description('inspect the client installed in a state directory');
  client
    .command('status')
    .description("show the client's site, management points, ports and which port/protocol last worked")
    .requiredOption('--state <dir>', 'client state directory')
    .option('--json', 'print machine-readable JSON', false)
    .action((opts: { state: string; json: boolean }) => {
      const status = readClientStatus(opts.state);
      if (opts.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else printLines(formatStatus(status));
    });
  client
    .command('identity')
    .description("print the client's key fingerprint, client id and site as JSON")
    .requiredOption('--state <dir>', 'client state directory')
    .action((opts: { state: string }) => printJson(identityOf(opts.state)));
}

/** States whose name alone does not say what the administrator has to do (decision 0095). */
const STATE_TEXT: Partial<Record<ClientStatus['state'], string>> = {
  'waiting-approval': 'waiting for approval (an administrator approves it: siteport clients approve <client id>)',
  blocked: 'blocked by the site (an administrator unblocks it: siteport clients unblock <client id>)',
  retired: 'retired by the site (to register again: siteport setup --new-identity …)',
};

function formatStatus(s: ClientStatus): string[] {
  const alt = (port: number | null): string => (port === null ? 'none' : String(port));
  const contact =
    s.lastContact === null
      ? 'never'
      : `${s.lastContact.protocol} port ${s.lastContact.port} on ${s.lastContact.mp}${s.lastContact.address === undefined || s.lastContact.address === s.lastContact.mp ? '' : ` (${s.lastContact.address})`} at ${s.lastContact.at}${s.lastContact.via === 'gateway' ? ' through the gateway (no management point answered directly)' : ''}`;
  const rows: Array<[string, string]> = [
    ['site code', s.siteCode],
    ['client id', s.clientId ?? '-'],
    ['state', STATE_TEXT[s.state] ?? s.state],
    ['agent', s.agentRunning ? `running (pid ${String(s.agentPid)})` : 'not running'],
    ['management points', s.managementPoints.join(', ') || '-'],
    ['internet MP', s.internetManagementPoint ?? '-'],
    ['category', `${s.category}${s.category === 'directory-joined' ? '' : ' (does not read the directory)'}`],
    ['directory', s.directory === null ? '-' : `${s.directory.url} as ${s.directory.bindDn ?? 'anonymous'}`],
    ['discovery order', s.discovery === null ? '-' : s.discovery.order.join(' → ')],
    ['last contact via', s.discovery?.lastContactSource ?? '-'],
    [
      'directory lookup',
      s.discovery?.directory == null
        ? '-'
        : s.discovery.directory.lastError !== null
          ? `${s.discovery.directory.lastError.code}: ${s.discovery.directory.lastError.message}`
          : `version ${String(s.discovery.directory.publishedVersion)} at ${s.discovery.directory.lastLookupAt ?? '-'}`,
    ],
    [
      'DNS SRV',
      s.discovery?.dns == null
        ? '-'
        : `${s.discovery.dns.name}: ${s.discovery.dns.accepted.join(', ') || 'none accepted'}${s.discovery.dns.rejected.length > 0 ? `; ignored ${s.discovery.dns.rejected.join('; ')}` : ''}`,
    ],
    ['communication', s.communicationMode],
    ['HTTP port', `${s.ports.http.default} (alternate ${alt(s.ports.http.alternate)})`],
    ['HTTPS port', `${s.ports.https.default} (alternate ${alt(s.ports.https.alternate)})`],
    ['last contact', contact],
    ['settings version', String(s.settingsVersion)],
    ['last error', s.lastError === null ? '-' : `${s.lastError.code}: ${s.lastError.message} (${s.lastError.at})`],
    [
      'last port switch',
      s.portSwitch === null
        ? '-'
        : `${s.portSwitch.at}: HTTP ${s.portSwitch.httpPort}, HTTPS ${s.portSwitch.httpsPort ?? 'unchanged'} (${s.portSwitch.result}${s.portSwitch.agentSignalled ? ', agent signalled' : ''})`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}
