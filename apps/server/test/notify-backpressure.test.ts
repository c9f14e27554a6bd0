import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import {
  FrameDecoder,
  type NotifyFrame,
  type NotifyResult,
  type PortsView,
  type RegisterResponse,
  encodeFrame,
  framePayloadJson,
  notifyAuthString,
} from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

const MiB = 1024 * 1024;

/** Registers a client of our own over HTTP, as any host that can reach the request port can. */
async function registeredClient(srv: TestServer): Promise<TestMpClient> {
  const ports = (await srv.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'flooder',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const reg = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  client.clientId = (reg.body as RegisterResponse).clientId;
  return client;
}

/** A TLS session on the notification port, authenticated with the client's registered key, that then stops reading. */
async function authenticatedNonReader(srv: TestServer, client: TestMpClient): Promise<tls.TLSSocket> {
  const ca = readFileSync(path.join(srv.dataDir, 'pki', 'ca.pem'), 'utf8');
  const socket = tls.connect({ host: '127.0.0.1', port: srv.server.info.ports.notification, ca });
  socket.on('error', () => undefined);
  const decoder = new FrameDecoder();
  const frames: NotifyFrame[] = [];
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  await until('the challenge', () => frames.some((f) => f.type === 'challenge'), 5000);
  const challenge = framePayloadJson(frames[0]!) as { siteCode: string; nonce: string };
  const signature = sign(
    null,
    Buffer.from(notifyAuthString(challenge.siteCode, client.clientId, challenge.nonce)),
    client.privateKey,
  );
  socket.write(encodeFrame('auth', { clientId: client.clientId, signature: signature.toString('base64') }));
  await until('ready', () => frames.some((f) => f.type === 'ready'), 5000);
  socket.removeAllListeners('data');
  socket.pause();
  return socket;
}

describe('notification channel back-pressure', () => {
  it('drops a registered client that floods pings without reading, keeps the MP output bounded, and honest agents still get their actions', async (t) => {
    const srv = await startTestServer(t);
    const { agent, clientId } = await startNotifyAgent(t, srv);
    await until('the honest agent on TCP', () => agent.notification?.state === 'tcp');
    const flooder = await authenticatedNonReader(srv, await registeredClient(srv));
    let closed = false;
    flooder.on('close', () => (closed = true));

    // 1,000 pings per write, for at most 8 s; before the fix the MP queued a pong for each and
    // grew by gigabytes, so the loop stops at 64 MiB of unsent output rather than take the machine.
    const pings = Buffer.concat(Array.from({ length: 1000 }, () => encodeFrame('ping')));
    const rssBefore = process.memoryUsage().rss;
    let maxPending = 0;
    let maxRss = rssBefore;
    let written = 0;
    const started = Date.now();
    while (!closed && Date.now() - started < 8000 && maxPending < 64 * MiB) {
      const more = flooder.write(pings);
      written += pings.length;
      maxPending = Math.max(maxPending, srv.server.notify.channelStats().pendingOutputBytes);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      if (!more)
        await Promise.race([
          once(flooder, 'drain').catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 20)),
        ]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const context = `after ${written} bytes of pings in ${Date.now() - started} ms: most unsent output ${maxPending} bytes, RSS ${rssBefore} → ${maxRss}`;
    assert.ok(maxPending <= 256 * 1024, `the MP's unsent output to the flooder stays under its bound; ${context}`);
    await until('the flooder is disconnected', () => closed, 5000).catch(() =>
      assert.fail(`the flooder is still connected; ${context}`),
    );
    assert.ok(srv.server.notify.channelStats().dropped.flooding >= 1, 'counted as dropped for flooding');
    assert.ok(maxRss - rssBefore < 200 * MiB, `memory stays bounded; ${context}`);

    const res = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy' });
    assert.deepEqual(res.body.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
  });
});
