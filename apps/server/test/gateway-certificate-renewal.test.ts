import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { test } from 'node:test';
import type { CreatedToken } from '@siteport/protocol';
import { GatewayServer } from '../src/gateway/index.js';
import { createLogger } from '../src/logger.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens a TLS connection to the gateway, checked against the site CA for the configured name. */
function handshake(port: number, ca: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one HTTP request on an open connection and resolves its status line. */
function statusLine(socket: tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve(text.slice(0, end));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write('GET /mp/v1/ca HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  });
}

const serial = (socket: tls.TLSSocket): string => socket.getPeerX509Certificate()?.serialNumber ?? '';

test('a running gateway renews its certificate from the site before it expires: new handshakes get the new one, open connections keep working, no restart', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  await s.admin('PUT', '/sites/PS1/gateway', { host: '127.0.0.1', port: 443 });
  const secret = (await s.admin<CreatedToken>('POST', '/tokens', { name: 'gw', role: 'gateway', sites: ['PS1'] })).body
    .secret;
  let clock = Date.now();
  const gateway = new GatewayServer(
    { server: s.adminUrl, token: secret, siteCode: 'PS1', listenHost: '127.0.0.1', port: 0 },
    createLogger('silent'),
    { now: () => clock, checkEveryMs: 100 },
  );
  await gateway.start();
  t.after(() => gateway.stop());
  const ca = (await s.admin<{ caCertificate: string }>('GET', '/sites/PS1/gateway/upstream', undefined, secret)).body
    .caCertificate;

  const before = await handshake(gateway.port, ca);
  t.after(() => before.destroy());
  const first = before.getPeerX509Certificate() as X509Certificate;
  const firstValidTo = gateway.certificateValidTo;
  assert.ok(firstValidTo !== undefined);
  assert.ok(Math.abs(Date.parse(firstValidTo) - (Date.now() + 30 * DAY_MS)) < DAY_MS, 'a 30-day certificate');

  // Nineteen days on: not due yet (renewal starts after 20 of the 30 days).
  clock += 19 * DAY_MS;
  await new Promise((r) => setTimeout(r, 500));
  const still = await handshake(gateway.port, ca);
  assert.equal(serial(still), first.serialNumber, 'not renewed before two thirds of its lifetime');
  still.destroy();

  // Twenty-one days on: the next check renews it while the gateway runs.
  clock += 2 * DAY_MS;
  const renewed = await waitFor(
    'a handshake that gets a renewed certificate',
    async () => {
      const socket = await handshake(gateway.port, ca);
      const cert = socket.getPeerX509Certificate() as X509Certificate;
      socket.destroy();
      return cert.serialNumber !== first.serialNumber ? cert : undefined;
    },
    15_000,
    200,
  );
  assert.equal(gateway.state, 'running');
  assert.equal(renewed.subjectAltName, 'IP Address:127.0.0.1');
  assert.ok(renewed.checkIssued(new X509Certificate(ca)), 'issued by the site CA');
  assert.notEqual(
    renewed.publicKey.export({ type: 'spki', format: 'pem' }),
    first.publicKey.export({ type: 'spki', format: 'pem' }),
    'a new key',
  );
  // The gateway tracks the new certificate (both may end in the same second: the site issues on its own clock).
  assert.equal(Date.parse(gateway.certificateValidTo ?? ''), Date.parse(renewed.validTo));
  // The connection opened before the swap still carries requests (it keeps its certificate).
  assert.match(await statusLine(before), /^HTTP\/1\.1 \d{3} /);

  // Renewed once: the clock has not passed two thirds of the new certificate's lifetime.
  await new Promise((r) => setTimeout(r, 500));
  const again = await handshake(gateway.port, ca);
  assert.equal(serial(again), renewed.serialNumber);
  again.destroy();
  // The site audited each issuance: the one at start and the renewal.
  const audit = await s.admin<{ entries: { action: string; actor: string }[] }>('GET', '/audit?site=PS1&limit=200');
  assert.equal(audit.body.entries.filter((e) => e.action === 'gateway.certificate').length, 2);
});
