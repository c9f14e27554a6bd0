import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ProbeSchedule } from './probe-schedule.js';
import { probePort } from './port-probe.js';
import { probeTargets } from './probe-targets.js';

const HOUR = 3_600_000;

test('ProbeSchedule: the first probe after a full-jitter delay, later ones about an interval apart', () => {
  const schedule = new ProbeSchedule(() => 0.5);
  assert.equal(schedule.due(0, 6 * HOUR), false);
  assert.equal(schedule.next, 3 * HOUR, 'half of the interval with random 0.5');
  assert.equal(schedule.due(3 * HOUR, 6 * HOUR), true);
  schedule.ran(3 * HOUR);
  // An interval less up to a tenth: 6 h − 0.5 × 0.1 × 6 h.
  assert.equal(schedule.next, 3 * HOUR + 5.7 * HOUR);
  assert.equal(schedule.due(8 * HOUR, 6 * HOUR), false);
});

test('ProbeSchedule: a fleet started together spreads over the whole interval', () => {
  const firsts = Array.from({ length: 1000 }, () => {
    const s = new ProbeSchedule();
    s.due(0, 6 * HOUR);
    return s.next!;
  });
  assert.ok(Math.min(...firsts) < 0.05 * 6 * HOUR && Math.max(...firsts) > 0.95 * 6 * HOUR);
  assert.ok(firsts.every((f) => f >= 0 && f <= 6 * HOUR));
});

test('ProbeSchedule: a shorter interval from policy plans a probe that lies further out anew', () => {
  const schedule = new ProbeSchedule(() => 0.9);
  schedule.due(0, 6 * HOUR);
  assert.equal(schedule.next, 5.4 * HOUR);
  assert.equal(schedule.due(1000, 60_000), false);
  assert.equal(schedule.next, 1000 + 54_000);
});

test('probeTargets: request ports, alternates, notification and candidates, each port once, TLS for HTTPS', () => {
  const targets = probeTargets({
    ports: {
      http: { default: 80, alternate: 8080 },
      https: { default: 443, alternate: null },
      notification: 10123,
      wake: 9,
    },
    reachability: {
      intervalSeconds: 60,
      candidates: [
        { port: 8443, transport: 'tls' },
        { port: 80, transport: 'tls' },
      ],
    },
  });
  assert.deepEqual(targets, [
    { port: 80, transport: 'tcp' },
    { port: 8080, transport: 'tcp' },
    { port: 443, transport: 'tls' },
    { port: 10123, transport: 'tls' },
    { port: 8443, transport: 'tls' },
  ]);
});

test('probePort: a TCP connect is reachable, a closed port refused, a TLS port that speaks no TLS tls-failed', async (t) => {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('not tls\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const options = { caPem: undefined, timeoutMs: 5000 };
  assert.equal((await probePort('127.0.0.1', { port, transport: 'tcp' }, options)).outcome, 'reachable');
  assert.equal((await probePort('127.0.0.1', { port, transport: 'tls' }, options)).outcome, 'tls-failed');
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  assert.equal((await probePort('127.0.0.1', { port: closedPort, transport: 'tcp' }, options)).outcome, 'refused');
});
