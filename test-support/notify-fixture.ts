import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Agent, runSetup, StateStore } from '@siteport/agent';
import type { HasAfter } from './temp-dir.js';
import type { TestServer } from './test-server.js';

/** Polls a condition every 20 ms until it holds, or fails naming it after the deadline. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An in-process agent installed against a test server, with fast notification timings. */
export async function startNotifyAgent(
  t: HasAfter,
  srv: TestServer,
  options: { retryTcpMs?: number; hostname?: string } = {},
): Promise<{ agent: Agent; store: StateStore; clientId: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-notify-agent-'));
  const ports = srv.server.info.ports;
  runSetup({
    stateDir: dir,
    properties: ['SMSMP=127.0.0.1', `CCMHTTPPORT=${ports.http.default}`, `CCMHTTPSPORT=${ports.https.default}`],
    httpOnly: false,
  });
  const agent = new Agent({
    stateDir: dir,
    logger: pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' }),
    // No periodic cycles during a test: only pushed actions make the agent check in.
    intervalOverrideMs: 600_000,
    retryBaseMs: 50,
    requestTimeoutMs: 1500,
    stopTimeoutMs: 2000,
    hostname: options.hostname ?? 'notify-test',
    notifyRetryTcpMs: options.retryTcpMs ?? 1500,
    notifyPollWaitSeconds: 5,
    notifyReconnectBaseMs: 100,
  });
  await agent.start();
  t.after(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const store = new StateStore(dir);
  await until('registration', () => store.readConfig().clientId !== null);
  return { agent, store, clientId: store.readConfig().clientId! };
}
