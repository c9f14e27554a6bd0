import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { runProbes } from './probe-run.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('runProbes: a port the agent just used over TLS counts as reached with no connection; a plain use proves only TCP', async () => {
  const [a, b, c] = [await closedPort(), await closedPort(), await closedPort()];
  const now = new Date('2026-12-04T10:00:00.000Z');
  const results = await runProbes(
    '127.0.0.1',
    [
      { port: a, transport: 'tls' },
      { port: b, transport: 'tcp' },
      { port: c, transport: 'tls' },
    ],
    [
      { port: a, transport: 'tls' },
      { port: b, transport: 'tls' },
      { port: c, transport: 'tcp' },
    ],
    { caPem: undefined, timeoutMs: 5000, now: () => now },
  );
  // a and b are closed, yet reached: no connection was made. c was used only over plain TCP, so its TLS test ran.
  assert.deepEqual(
    results.map((r) => [r.port, r.transport, r.outcome]),
    [
      [a, 'tls', 'reachable'],
      [b, 'tcp', 'reachable'],
      [c, 'tls', 'refused'],
    ],
  );
  assert.equal(results[0]!.testedAt, now.toISOString());
});
