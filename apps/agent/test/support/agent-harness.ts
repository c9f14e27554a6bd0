import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Agent, type AgentOptions, StateStore, runSetup } from '../../src/index.js';

/** A fresh temporary state directory and its cleanup. */
export function tempStateDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'siteport-agent-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Installs a client pointing at 127.0.0.1 with the given extra properties. */
export function install(dir: string, properties: string[], httpOnly = false): StateStore {
  runSetup({ stateDir: dir, properties: ['SMSMP=127.0.0.1', ...properties], httpOnly });
  return new StateStore(dir);
}

/** An in-process agent with fast timings and a silent logger. */
export function testAgent(stateDir: string, options: Partial<AgentOptions> = {}): Agent {
  return new Agent({
    stateDir,
    logger: pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' }),
    intervalOverrideMs: 50,
    retryBaseMs: 20,
    requestTimeoutMs: 1000,
    stopTimeoutMs: 1000,
    // The scripted MP has no notification port; the channel is tested against the real server.
    notify: false,
    ...options,
  });
}

/** Polls a condition every 10 ms until it holds or the time is up. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
