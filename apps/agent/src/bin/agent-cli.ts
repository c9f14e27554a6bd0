import { createHash, createPublicKey } from 'node:crypto';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { SiteportError, isSiteportError } from '@siteport/protocol';
import { AGENT_VERSION } from '../agent-options.js';
import { runAgentProcess } from '../agent-process.js';
import { readClientStatus } from '../client-status.js';
import type { LogLevel } from '../logger.js';
import { portSwitch } from '../port-switch.js';
import { runSetup } from '../setup.js';
import { StateStore } from '../state-store.js';

/** Exit codes, the same as `siteport`'s: 0 ok, 1 failure, 2 bad usage. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const USAGE = `siteport-agent ${AGENT_VERSION}: the siteport client agent (offline bundle)
usage:
  siteport-agent setup --state DIR [--http-only] [--reregister] [--json] [PROPERTY=VALUE ...]
  siteport-agent agent --state DIR [--log-level LEVEL] [--hostname NAME]
  siteport-agent portswitch --state DIR HTTPPORT [HTTPSPORT]
  siteport-agent client status --state DIR [--json]
  siteport-agent client identity --state DIR
  siteport-agent --version
`;

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function usage(message: string): SiteportError {
  return new SiteportError('E_OPTION', `${message}; run siteport-agent --help`);
}

function parse(words: readonly string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args: [...words], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
}

function stateOf(values: Record<string, unknown>): string {
  const state = values.state;
  if (typeof state !== 'string' || state === '') throw usage('--state DIR is required');
  return state;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

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

async function dispatch(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return;
    case '--version':
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return;
    case 'setup': {
      const { values, positionals } = parse(rest, {
        state: { type: 'string' },
        'http-only': { type: 'boolean' },
        reregister: { type: 'boolean' },
        json: { type: 'boolean' },
      });
      const stateDir = stateOf(values);
      const config = runSetup({ stateDir, properties: positionals, httpOnly: values['http-only'] === true });
      // A push reinstall keeps the key (and so the site's client id) but registers again, so the
      // site sees the reinstalled client come up.
      const written = values.reregister === true && config.clientId !== null ? { ...config, clientId: null } : config;
      if (written !== config) new StateStore(stateDir).writeConfig(written);
      if (values.json === true) print(written);
      else
        process.stdout.write(
          `siteport client configured in ${stateDir} (site ${written.siteCode}, HTTP ${written.ports.http.default}, HTTPS ${written.ports.https.default})\n`,
        );
      return;
    }
    case 'agent': {
      const { values } = parse(rest, {
        state: { type: 'string' },
        'log-level': { type: 'string' },
        hostname: { type: 'string' },
      });
      const level = (values['log-level'] ?? 'info') as LogLevel;
      if (!LEVELS.includes(level)) throw usage(`--log-level must be one of ${LEVELS.join(', ')}`);
      const hostname = values.hostname;
      await runAgentProcess({
        stateDir: stateOf(values),
        logLevel: level,
        ...(typeof hostname === 'string' ? { hostname } : {}),
      });
      return;
    }
    case 'portswitch': {
      const { values, positionals } = parse(rest, { state: { type: 'string' } });
      const [httpPort, httpsPort, extra] = positionals;
      if (httpPort === undefined || extra !== undefined) throw usage('portswitch takes HTTPPORT [HTTPSPORT]');
      print(portSwitch({ stateDir: stateOf(values), httpPort, ...(httpsPort === undefined ? {} : { httpsPort }) }));
      return;
    }
    case 'client': {
      const [sub, ...more] = rest;
      const { values } = parse(more, { state: { type: 'string' }, json: { type: 'boolean' } });
      if (sub === 'status') {
        const status = readClientStatus(stateOf(values));
        if (values.json === true) print(status);
        else
          process.stdout.write(
            `site ${status.siteCode}, state ${status.state}, HTTP ${status.ports.http.default}, HTTPS ${status.ports.https.default}\n`,
          );
        return;
      }
      if (sub === 'identity') {
        print(identityOf(stateOf(values)));
        return;
      }
      throw usage('client takes status or identity');
    }
    default:
      throw usage(`unknown command ${JSON.stringify(command)}`);
  }
}

/** Runs one command line of the bundled agent and returns the exit code. */
export async function runAgentCli(argv: readonly string[]): Promise<number> {
  try {
    await dispatch(argv);
    return EXIT.ok;
  } catch (error) {
    if (isSiteportError(error)) {
      process.stderr.write(`siteport-agent: ${error.code}: ${error.message}\n`);
      return error.code === 'E_OPTION' ? EXIT.usage : EXIT.failure;
    }
    process.stderr.write(
      `siteport-agent: E_INTERNAL: ${(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''}\n`,
    );
    return EXIT.failure;
  }
}
