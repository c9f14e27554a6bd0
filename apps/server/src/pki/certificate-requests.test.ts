import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import pino from 'pino';
import type { BridgeEvent, BridgeState, EventBridge, ReceivedEvent } from '../bridge/event-bridge.js';
import { ALGORITHM, loadSiteCa } from './site-pki.js';
import { answerCertificateRequests, requestCertificate } from './certificate-requests.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Two processes' ends of an in-memory event log (a unit test stand-in for PostgreSQL). */
class MemoryBridge implements EventBridge {
  readonly state: BridgeState = 'listening';
  peer!: MemoryBridge;
  private readonly handlers = new Set<(event: ReceivedEvent) => void>();
  private seq = 0;
  constructor(readonly origin: string) {}
  publish(event: BridgeEvent): Promise<void> {
    const received = { seq: ++this.seq, origin: this.origin, at: new Date().toISOString(), event };
    setImmediate(() => this.peer.handlers.forEach((h) => h(received)));
    return Promise.resolve();
  }
  catchUp(): Promise<void> {
    return Promise.resolve();
  }
  subscribe(handler: (event: ReceivedEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

async function pair(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-csr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await loadSiteCa(dir, 'PS1');
  const site = new MemoryBridge('site');
  const mp = new MemoryBridge('mp');
  site.peer = mp;
  mp.peer = site;
  t.after(
    answerCertificateRequests(site, { siteCode: 'PS1', ca, lifetimeMs: 60_000, logger: pino({ level: 'silent' }) }),
  );
  return { ca, site, mp };
}

/** Sends a raw certificate request and returns the site's answer. */
function ask(
  mp: MemoryBridge,
  csr: string,
  names: string[],
): Promise<Extract<BridgeEvent, { kind: 'certificate-issued' }>> {
  return new Promise((resolve) => {
    const off = mp.subscribe(({ event }) => {
      if (event.kind !== 'certificate-issued' || event.requestId !== 'r1') return;
      off();
      resolve(event);
    });
    void mp.publish({ kind: 'certificate-request', requestId: 'r1', csr, names });
  });
}

describe('certificate requests of MP processes', () => {
  it('issues a server certificate from the site CA for the key the MP made, naming what it asked for', async (t) => {
    const { ca, mp } = await pair(t);
    const issued = await requestCertificate(mp, ['mp-a.example.org', '127.0.0.2']);
    const cert = new X509Certificate(issued.cert);
    assert.ok(cert.verify(new X509Certificate(ca.certificate).publicKey), 'signed by the site CA');
    assert.ok(cert.checkPrivateKey(createPrivateKey(issued.key)), 'for the key the MP made');
    assert.equal(cert.ca, false);
    assert.equal(cert.subjectAltName, 'DNS:mp-a.example.org, IP Address:127.0.0.2');
    assert.equal(issued.caCertificate, ca.certificate);
  });

  it('attack: a request not signed by the key it names, a wildcard or a malformed name is refused with its reason', async (t) => {
    const { mp } = await pair(t);
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const other = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const genuine = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=x',
      keys,
      signingAlgorithm: ALGORITHM,
    });
    // The same request with another key's public key put in: its signature no longer matches.
    const forged = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=x',
      keys: { publicKey: other.publicKey, privateKey: keys.privateKey },
      signingAlgorithm: ALGORITHM,
    });
    const cases: [string, string, string[], RegExp][] = [
      ['forged', forged.toString('pem'), ['mp.example.org'], /not signed by the key it names/],
      ['wildcard', genuine.toString('pem'), ['*.example.org'], /not a host name or IP address/],
      ['no names', genuine.toString('pem'), [], /names 1 to 16 host names/],
      ['not a CSR', 'hello', ['mp.example.org'], /cannot be read/],
    ];
    for (const [what, csr, names, reason] of cases) {
      const answer = await ask(mp, csr, names);
      assert.equal(answer.certificate, null, what);
      assert.equal(answer.error?.code, 'E_CERTIFICATE_REQUEST', what);
      assert.match(answer.error?.message ?? '', reason, what);
    }
    await assert.rejects(requestCertificate(mp, ['*.example.org']), /refused this MP's certificate request/);
  });
});
