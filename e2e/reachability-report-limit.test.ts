import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { Agent, runSetup } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { call, registered } from '../test-support/mp-client.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';

const INTERVAL_SECONDS = 5;
const BURST = 4;

/** A real agent checking in every second, its log lines kept. */
function startAgent(t: { after: (fn: () => unknown) => void }, ports: PortsView, caFingerprint: string) {
  const stateDir = path.join(tempDir(t, 'siteport-report-limit-'), 'agent');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=PS1',
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${caFingerprint}`,
      'SMSMP=127.0.0.1',
    ],
    httpOnly: false,
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const agent = new Agent({
    stateDir,
    logger: pino({ level: 'info' }, sink),
    hostname: 'scheduled',
    intervalOverrideMs: 1000,
    requestTimeoutMs: 5000,
  });
  t.after(() => agent.stop());
  return { agent, lines };
}

test('a registered client sending reachability reports in a loop gets E_RATE_LIMITED with Retry-After past a burst, so it writes the site database a few times per interval; a real agent on the same 5 s schedule is never refused', async (t) => {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const set = await s.admin('PUT', '/sites/PS1/reachability/settings', {
    intervalSeconds: INTERVAL_SECONDS,
    staleHours: 24,
    candidates: [],
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const http = `http://127.0.0.1:${ports.http.default}`;

  const { agent, lines } = startAgent(t, ports, s.server.info.caFingerprint);
  await agent.start();

  const attacker = await registered(http, 'flooder');
  const started = Date.now();
  let stored = 0;
  let refused = 0;
  let rounds = 0;
  // The loop runs while the agent keeps its schedule beside it.
  while (Date.now() - started < 16_000) {
    rounds += 1;
    const body = Buffer.from(
      JSON.stringify({
        results: [
          { port: ports.http.default, transport: 'tcp', outcome: 'reachable', testedAt: new Date().toISOString() },
        ],
      }),
    );
    const res = await call(`${http}/mp/v1/reachability`, {
      method: 'POST',
      body,
      headers: attacker.signedHeaders('POST', '/mp/v1/reachability', body),
    });
    if (res.status === 200) {
      assert.equal(res.body.recorded, 1);
      stored += 1;
      continue;
    }
    assert.equal(res.status, 429, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'E_RATE_LIMITED');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= INTERVAL_SECONDS, String(res.headers['retry-after']));
    refused += 1;
  }
  const elapsedSeconds = (Date.now() - started) / 1000;
  // Each stored report is one upsert: the burst, then one per half interval.
  const bound = BURST + Math.ceil(elapsedSeconds / (INTERVAL_SECONDS / 2)) + 1;
  assert.ok(rounds > 50, `the loop sent only ${rounds} reports`);
  assert.ok(stored >= BURST && stored <= bound, `stored ${stored} of ${rounds} reports (bound ${bound})`);
  assert.equal(stored + refused, rounds);

  await waitFor(
    'the agent reported on its schedule three times',
    () => lines.filter((l) => l.includes('reported reachability')).length >= 3 || undefined,
    60_000,
  );
  assert.deepEqual(
    lines.filter((l) => l.includes('reachability not reported')),
    [],
    'the agent following the schedule was never refused',
  );
});
