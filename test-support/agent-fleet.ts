import path from 'node:path';
import pino from 'pino';
import { Agent, readClientStatus, runSetup, type ClientStatus } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { type HasAfter, tempDir } from './temp-dir.js';

/** One in-process agent with its own state dir (a real agent: real sockets, real state files). */
export interface FleetAgent {
  name: string;
  stateDir: string;
  agent: Agent | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ClientStatus;
}

export interface FleetOptions {
  count: number;
  ports: PortsView;
  caFingerprint: string;
  /** Extra setup properties per agent index (e.g. internet-only ones). */
  properties?: (index: number) => string[];
  httpOnly?: (index: number) => boolean;
  mpHost?: string;
  retryDefaultAfterMs?: number;
  requestTimeoutMs?: number;
}

/** Installs `count` clients (setup with the site's ports) in their own state dirs; starts none. */
export function createFleet(t: HasAfter, options: FleetOptions): FleetAgent[] {
  // Hooks run in the order they were added: stop the agents before their state dirs go.
  const members: FleetAgent[] = [];
  t.after(() => Promise.all(members.map((m) => m.stop())));
  const root = tempDir(t, 'siteport-fleet-');
  const logger = pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' });
  const fleet = Array.from({ length: options.count }, (_, i): FleetAgent => {
    const name = `agent-${String(i + 1).padStart(3, '0')}`;
    const stateDir = path.join(root, name);
    const extra = options.properties?.(i) ?? [`SMSMP=${options.mpHost ?? '127.0.0.1'}`];
    runSetup({
      stateDir,
      properties: [
        'SMSSITECODE=PS1',
        `CCMHTTPPORT=${options.ports.http.default}`,
        `CCMHTTPSPORT=${options.ports.https.default}`,
        `SMSCAFINGERPRINT=${options.caFingerprint}`,
        ...extra,
      ],
      httpOnly: options.httpOnly?.(i) ?? false,
    });
    const member: FleetAgent = {
      name,
      stateDir,
      agent: undefined,
      async start() {
        member.agent = new Agent({
          stateDir,
          logger: logger.child({ agent: name }),
          hostname: name,
          ...(options.retryDefaultAfterMs === undefined ? {} : { retryDefaultAfterMs: options.retryDefaultAfterMs }),
          requestTimeoutMs: options.requestTimeoutMs ?? 5000,
        });
        await member.agent.start();
      },
      async stop() {
        await member.agent?.stop();
        member.agent = undefined;
      },
      status: () => readClientStatus(stateDir),
    };
    return member;
  });
  members.push(...fleet);
  return fleet;
}
