import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { testBind } from './bind-check.js';

async function hold(host: string, port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: net.isIPv6(host) }, resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('the dual-stack wildcard is test-bound per family: a port busy on IPv4 only is refused as IPv4', async (t) => {
  const v4 = await hold('127.0.0.1');
  t.after(() => v4.close());
  await assert.rejects(testBind('::', v4.port, 'http'), (error: { code: string; details: Record<string, unknown> }) => {
    assert.equal(error.code, 'E_PORT_IN_USE');
    assert.equal(error.details.family, 'IPv4');
    assert.equal(error.details.address, '0.0.0.0');
    assert.equal(error.details.pid, process.pid);
    return true;
  });
});

test('a port busy on IPv6 only is refused as IPv6 and is still free for an IPv4-only MP', async (t) => {
  let v6: Awaited<ReturnType<typeof hold>> | undefined;
  // The ephemeral port of ::1 may be taken on 127.0.0.1 by someone else: retry with another.
  while (v6 === undefined) {
    const candidate = await hold('::1');
    const probe = await hold('127.0.0.1', candidate.port).catch(() => undefined);
    if (probe === undefined) await candidate.close();
    else {
      await probe.close();
      v6 = candidate;
    }
  }
  const held = v6;
  t.after(() => held.close());
  await assert.rejects(testBind('::', held.port, 'https'), {
    code: 'E_PORT_IN_USE',
    message: new RegExp(`^https port ${held.port} is already in use on IPv6 \\(::\\) by node \\(pid ${process.pid}\\)`),
  });
  await testBind('0.0.0.0', held.port, 'https');
  await testBind('127.0.0.1', held.port, 'https');
});

test('a free port passes the check on the wildcard, and on IPv6 and IPv4 addresses', async () => {
  const free = await hold('127.0.0.1');
  await free.close();
  await testBind('::', free.port, 'http');
  await testBind('::1', free.port, 'http');
  await testBind('127.0.0.1', free.port, 'http');
});
