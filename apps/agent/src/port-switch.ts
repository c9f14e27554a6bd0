import { SiteportError, parsePort } from '@siteport/protocol';
import type { ClientPorts } from './client-config.js';
import type { PortSwitchRecord } from './port-switch-record.js';
import { requestReload } from './reload-requests.js';
import { StateStore } from './state-store.js';

/** Arguments of {@link portSwitch}, as typed on the command line. */
export interface PortSwitchOptions {
  stateDir: string;
  /** The new HTTP request port, 1–65535. */
  httpPort: string;
  /** The new HTTPS request port, 1–65535; omitted → HTTPS unchanged. */
  httpsPort?: string;
  /**
   * Decides how the running agent is told to reload (SIGHUP, or a request file on Windows).
   * @default process.platform
   */
  platform?: NodeJS.Platform;
}

/**
 * The port switch tool: reconfigures an installed client's
 * request ports in place, tells a running agent to pick them up now (SIGHUP; on Windows a reload
 * request file, see {@link requestReload}), and leaves a
 * status record in portswitch.json. Without a running agent the change applies at its next start.
 */
export function portSwitch(options: PortSwitchOptions): PortSwitchRecord {
  const httpPort = parsePort('HTTPPORT', options.httpPort);
  const httpsPort = options.httpsPort === undefined ? null : parsePort('HTTPSPORT', options.httpsPort);
  if (httpsPort !== null && httpsPort === httpPort) {
    throw new SiteportError(
      'E_PORT_CONFLICT',
      `HTTPPORT and HTTPSPORT must differ, both are ${httpPort}; give HTTPS its own port (e.g. 443)`,
      {
        details: { port: httpPort },
      },
    );
  }
  const store = new StateStore(options.stateDir);
  const config = store.readConfig();
  const ports = switchedPorts(config.ports, httpPort, httpsPort);
  store.writeConfig({ ...config, ports });

  const pid = store.liveAgentPid();
  const record: PortSwitchRecord = {
    at: new Date().toISOString(),
    httpPort,
    httpsPort,
    previous: { http: config.ports.http.default, https: config.ports.https.default },
    result: 'applied',
    agentSignalled: pid !== null,
    agentPid: pid,
  };
  store.writePortSwitch(record);
  if (pid === null) return record;
  if (requestReload(store, pid, options.platform)) return record;
  // The agent exited between the check and the signal: it reads the new ports when it starts.
  const unsignalled = { ...record, agentSignalled: false };
  store.writePortSwitch(unsignalled);
  return unsignalled;
}

/**
 * The ports after a switch: new defaults, alternates kept unless one now equals its default.
 * Every request port must stay distinct (E_PORT_CONFLICT otherwise).
 */
export function switchedPorts(current: ClientPorts, httpPort: number, httpsPort: number | null): ClientPorts {
  const httpsDefault = httpsPort ?? current.https.default;
  const next: ClientPorts = {
    http: { default: httpPort, alternate: current.http.alternate === httpPort ? null : current.http.alternate },
    https: {
      default: httpsDefault,
      alternate: current.https.alternate === httpsDefault ? null : current.https.alternate,
    },
  };
  const items: Array<[string, number | null]> = [
    ['HTTP port', next.http.default],
    ['HTTPS port', next.https.default],
    ['HTTP alternate port', next.http.alternate],
    ['HTTPS alternate port', next.https.alternate],
  ];
  const seen = new Map<number, string>();
  for (const [name, port] of items) {
    if (port === null) continue;
    const other = seen.get(port);
    if (other !== undefined) {
      throw new SiteportError(
        'E_PORT_CONFLICT',
        `the ${name} would equal the ${other} (${port}); choose ports that differ${httpsPort === null ? ', or give HTTPSPORT as well' : ''}`,
        { details: { port } },
      );
    }
    seen.set(port, name);
  }
  return next;
}
