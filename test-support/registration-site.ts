import assert from 'node:assert/strict';
import path from 'node:path';
import { readClientStatus } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { runCli, startCli } from './run-cli.js';
import { tempDir } from './temp-dir.js';
import { type TestServer, startTestServer } from './test-server.js';

type T = Parameters<typeof tempDir>[0];

/** Registration e2e tests (decision 0095): a site with a 1 s policy interval and the admin connection flags of the CLI. */
export async function registrationSite(t: T) {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const connect = ['--server', s.adminUrl, '--token-file', path.join(s.dataDir, 'admin-token')];
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli([...args, ...connect]);
    assert.equal(r.code, 0, `siteport ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return { s, ports, connect, cli };
}

/** `siteport setup` through the CLI, then `siteport agent` as its own process. */
export async function installAndRun(
  t: T,
  s: TestServer,
  ports: PortsView,
  name: string,
  extra: string[] = [],
  setupFlags: string[] = [],
) {
  const stateDir = path.join(tempDir(t), name);
  const props = [
    'SMSSITECODE=PS1',
    'SMSMP=127.0.0.1',
    `CCMHTTPPORT=${ports.http.default}`,
    `CCMHTTPSPORT=${ports.https.default}`,
    `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
    ...extra,
  ];
  const setup = await runCli(['setup', '--state', stateDir, ...setupFlags, ...props]);
  assert.equal(setup.code, 0, setup.stderr);
  return { stateDir, setup, agent: runAgent(t, stateDir) };
}

export function runAgent(t: T, stateDir: string) {
  const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn'], /$^/);
  agent.started.catch(() => undefined);
  const exited = new Promise((r) => agent.child.once('exit', r));
  const stop = async (): Promise<void> => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGTERM');
    await exited;
  };
  t.after(stop);
  return { ...agent, stop };
}

export const stateOf = (stateDir: string, state: string) => () => readClientStatus(stateDir).state === state;
export const errorOf = (stateDir: string) => readClientStatus(stateDir).lastError?.code;
