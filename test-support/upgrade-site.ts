// A site for agent-upgrade tests (decision 0111): a release key made and set through the real
// `siteport upgrade` CLI, the offline bundle unpacked, agents run from it under `siteport-agent launch`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { buildAgentBundle } from '@siteport/agent/bundle';
import type { ClientList, PortsView, UpgradeView } from '@siteport/protocol';
import { runCli } from './run-cli.js';
import { type TestServer, startTestServer } from './test-server.js';
import { waitFor } from './wait-for.js';

export interface Site {
  s: TestServer;
  work: string;
  conn: string[];
  fingerprint: string;
  keys: string;
  baseScript: string;
  /** Stops the agents started in `work`; the work dir is removed only after these ran. */
  stops: (() => Promise<void>)[];
}

export async function cli(args: string[]): Promise<string> {
  const result = await runCli(args);
  assert.equal(result.code, 0, `siteport ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A site and the base bundle unpacked; the test makes and sets the release key through the CLI
 * (`siteport upgrade keygen`, `… key set`, in the test file itself so the CLI coverage sees it) and
 * stores its fingerprint in `fingerprint` before starting agents.
 */
export async function site(t: TestContext): Promise<Site> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'siteport-upgrade-'));
  const stops: (() => Promise<void>)[] = [];
  // One hook: the agents stop first, then their state dirs go (hooks of separate calls ran the
  // removal while an agent still wrote its state: ENOTEMPTY).
  t.after(async () => {
    await Promise.all(stops.map((stop) => stop()));
    rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  const base = await buildAgentBundle(path.join(work, 'base'));
  execFileSync('tar', ['-xzf', base.file, '-C', work]);
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const conn = ['--server', s.adminUrl, '--data', s.dataDir];
  const keys = path.join(work, 'keys');
  return {
    s,
    work,
    conn,
    fingerprint: '',
    keys,
    baseScript: path.join(work, base.folder, 'siteport-agent.mjs'),
    stops,
  };
}

/** Installs `count` clients with the bundle's setup and runs each under `siteport-agent launch`. */
export async function agents(x: Site, count: number, trialSeconds: number): Promise<string[]> {
  const ports = (await x.s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const children: ChildProcess[] = [];
  x.stops.push(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
          }),
      ),
    );
  });
  const dirs: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const state = path.join(x.work, `agent-${i}`);
    execFileSync(process.execPath, [
      x.baseScript,
      'setup',
      '--state',
      state,
      'SMSSITECODE=PS1',
      'SMSMP=127.0.0.1',
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${x.s.server.info.caFingerprint}`,
      `SMSRELEASEKEY=${x.fingerprint}`,
    ]);
    const child = spawn(
      process.execPath,
      [
        x.baseScript,
        'launch',
        '--state',
        state,
        '--log-level',
        'warn',
        '--hostname',
        `agent-${i}`,
        '--upgrade-trial',
        String(trialSeconds),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.resume();
    children.push(child);
    dirs.push(state);
  }
  await waitFor(`${count} agents checked in`, async () => {
    const list = (await x.s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
    return list.clients.filter((c) => c.lastContact !== null).length === count;
  });
  return dirs;
}

/** Builds a bundle of `version`, signs it through the CLI and registers it. */
export async function register(x: Site, version: string, edit?: (folder: string) => void): Promise<void> {
  const out = path.join(x.work, `v${version}`);
  const bundle = await buildAgentBundle(out, { version });
  if (edit !== undefined) {
    execFileSync('tar', ['-xzf', bundle.file, '-C', out]);
    edit(path.join(out, bundle.folder));
    execFileSync('tar', ['-czf', bundle.file, '-C', out, bundle.folder]);
  }
  await cli(['upgrade', 'sign', bundle.file, '--key', path.join(x.keys, 'release-key.pem')]);
  await cli(['upgrade', 'package', 'add', bundle.file, ...x.conn]);
}

export async function view(x: Site, id: string): Promise<UpgradeView> {
  return JSON.parse(await cli(['upgrade', 'show', id, '--json', ...x.conn])) as UpgradeView;
}

/** The agent's version pointer (none before its first upgrade: the installed version runs). */
export function pointer(state: string): { current: string | null; trial: unknown; rolledBack?: unknown } {
  const file = path.join(state, 'agent-version.json');
  if (!existsSync(file)) return { current: null, trial: null };
  return JSON.parse(readFileSync(file, 'utf8')) as { current: string | null; trial: unknown; rolledBack?: unknown };
}
