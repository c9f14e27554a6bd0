import path from 'node:path';
import { runSetup } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { TestHost } from './netns.js';
import { startCli } from './run-cli.js';
import { type HasAfter, tempDir } from './temp-dir.js';
import { type TestServer, startTestServer } from './test-server.js';

/** A site whose clients sit in subnets of their own: one network namespace per subnet. */
export interface SubnetSite {
  s: TestServer;
  ports: PortsView;
  /** One per subnet given, in that order. */
  hosts: TestHost[];
}

/**
 * A test server on every address, with a namespace for each `10.231.<n>.0` subnet; each host's side
 * of its link is named as a management point, so an agent in a namespace reaches the MP there.
 */
export async function startSubnetSite(t: HasAfter, subnets: readonly number[]): Promise<SubnetSite> {
  const hosts = subnets.map((n) => new TestHost(n));
  t.after(() => hosts.forEach((h) => h.remove()));
  const s = await startTestServer(t, {
    policyIntervalSeconds: 1,
    bindHost: '0.0.0.0',
    publicHosts: hosts.map((h) => h.hostAddress),
  });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  return { s, ports, hosts };
}

/** Sets up and starts one real agent in each host's namespace, talking to the MP across its link; stopped after the test. */
export function startSubnetAgents(t: HasAfter, site: SubnetSite): void {
  const root = tempDir(t);
  site.hosts.forEach((host, i) => {
    const stateDir = path.join(root, `client-${i}`);
    runSetup({
      stateDir,
      properties: [
        'SMSSITECODE=PS1',
        `SMSMP=${host.hostAddress}`,
        `CCMHTTPPORT=${site.ports.http.default}`,
        `CCMHTTPSPORT=${site.ports.https.default}`,
        `SMSCAFINGERPRINT=${site.s.server.info.caFingerprint}`,
      ],
    });
    const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn', '--request-timeout', '2'], /$^/, {
      prefix: host.prefix,
    });
    agent.started.catch(() => undefined);
    t.after(() => agent.child.kill('SIGTERM'));
  });
}
