import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { type ConnectSample, rateAround, sampleConnects, tcpSocketsInUse } from './connect-rate.js';

test('the rate around a count is read off the samples by interpolation', () => {
  // 1,000 a second up to 20,000 (20 s), then 100 a second.
  const samples: ConnectSample[] = [];
  for (let t = 0; t <= 20; t += 2) samples.push([t, t * 1000]);
  for (let t = 30; t <= 130; t += 10) samples.push([t, 20_000 + (t - 20) * 100]);
  assert.ok(Math.abs(rateAround(samples, 10_000, 10_000) - 1000) < 1e-6);
  assert.ok(Math.abs(rateAround(samples, 25_000, 4_000) - 100) < 1e-6);
  // Across the bend: 10,000 clients in 5 s + 50 s.
  assert.ok(Math.abs(rateAround(samples, 20_000, 10_000) - 10_000 / 55) < 1e-6);
});

test('a count the fleet never reached has no rate', () => {
  const samples: ConnectSample[] = [
    [0, 0],
    [10, 5_000],
    [20, 9_000],
  ];
  assert.ok(Number.isNaN(rateAround(samples, 140_000, 10_000)));
  assert.ok(Number.isNaN(rateAround(samples, 8_000, 4_000)));
  assert.ok(Math.abs(rateAround(samples, 2_500, 5_000) - 500) < 1e-6);
});

test('the sampler halves the sockets in use above where it started (both ends of a loopback connection count)', async () => {
  let inUse = 100;
  const sampler = sampleConnects(20, () => inUse);
  inUse = 140;
  await new Promise((r) => setTimeout(r, 70));
  const samples = sampler.stop();
  assert.deepEqual(samples[0], [0, 0]);
  assert.ok(samples.length >= 2, JSON.stringify(samples));
  assert.equal(samples.at(-1)![1], 20);
});

test('the kernel counts both ends of a real loopback connection', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const sockets = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 100));
  // Other tests open and close sockets at the same time: the 40 ends held here are a floor, not the count.
  const inUse = tcpSocketsInUse();
  for (const s of sockets) s.destroy();
  server.close();
  assert.ok(Number.isInteger(inUse) && inUse >= 40, `${inUse} TCP sockets in use`);
});
