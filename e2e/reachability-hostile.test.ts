import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortsView, ReachabilityMatrix } from '@siteport/protocol';
import { TestMpClient, call, registered } from '../test-support/mp-client.js';
import { startTestServer } from '../test-support/test-server.js';

function report(http: string, client: TestMpClient, payload: unknown) {
  const body = Buffer.from(JSON.stringify(payload));
  return call(`${http}/mp/v1/reachability`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/reachability', body),
  });
}

test('reachability reports that are oversized, name wrong ports, unknown outcomes, absurd times or another client are refused; the map keeps only honest results', async (t) => {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const http = `http://127.0.0.1:${ports.http.default}`;
  const a = await registered(http, 'honest');
  const b = await registered(http, 'victim');
  const now = new Date().toISOString();
  const good = { port: ports.http.default, transport: 'tcp', outcome: 'reachable', testedAt: now };

  const ok = await report(http, a, { results: [good] });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));

  const refusals: [string, unknown, RegExp][] = [
    ['oversized', { results: Array.from({ length: 17 }, (_, i) => ({ ...good, port: 20_000 + i })) }, /results/],
    ['empty', { results: [] }, /results/],
    ['port out of range', { results: [{ ...good, port: 70_000 }] }, /port/],
    ['port 0', { results: [{ ...good, port: 0 }] }, /port/],
    ['a port of no use to the site', { results: [{ ...good, port: 1 }] }, /port 1 is not a port of this site/],
    ['unknown outcome', { results: [{ ...good, outcome: 'maybe' }] }, /outcome/],
    ['unknown transport', { results: [{ ...good, transport: 'udp' }] }, /transport/],
    ['time in the future', { results: [{ ...good, testedAt: '2099-01-01T00:00:00Z' }] }, /testedAt/],
    ['time long past', { results: [{ ...good, testedAt: '2001-01-01T00:00:00Z' }] }, /testedAt/],
    ['not a time', { results: [{ ...good, testedAt: 'yesterday' }] }, /testedAt/],
    ['a port twice', { results: [good, { ...good, outcome: 'timeout' }] }, /reported twice/],
    [
      'for another client',
      { clientId: b.clientId, results: [{ ...good, outcome: 'timeout' }] },
      /clientId|additional/i,
    ],
    ['an extra field in a result', { results: [{ ...good, clientId: b.clientId }] }, /clientId|additional/i],
  ];
  for (const [why, payload, message] of refusals) {
    const res = await report(http, a, payload);
    assert.equal(res.status, 400, `${why}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION', why);
    assert.match(res.body.error.message, message, why);
  }

  // Signing as the victim with the attacker's key: not authenticated.
  const forged = new TestMpClient();
  (forged as { privateKey: unknown }).privateKey = a.privateKey;
  forged.clientId = b.clientId;
  const body = Buffer.from(JSON.stringify({ results: [{ ...good, outcome: 'timeout' }] }));
  const spoof = await call(`${http}/mp/v1/reachability`, {
    method: 'POST',
    body,
    headers: forged.signedHeaders('POST', '/mp/v1/reachability', body),
  });
  assert.equal(spoof.status, 401, JSON.stringify(spoof.body));

  // An oversized body is cut off before it is parsed.
  const huge = Buffer.from(JSON.stringify({ results: [{ ...good, pad: 'x'.repeat(2_000_000) }] }));
  const big = await call(`${http}/mp/v1/reachability`, {
    method: 'POST',
    body: huge,
    headers: a.signedHeaders('POST', '/mp/v1/reachability', huge),
  }).catch((error: unknown) => ({ status: 0, body: String(error) }));
  assert.ok(big.status === 413 || big.status === 0, JSON.stringify(big.body).slice(0, 200));

  const matrix = (await s.admin<ReachabilityMatrix>('GET', '/sites/PS1/reachability')).body;
  assert.deepEqual(
    matrix.subnets.map((r) => r.subnet),
    ['127.0.0.0/24'],
  );
  const cell = matrix.subnets[0]!.cells.find((c) => c.port === ports.http.default)!;
  assert.deepEqual([cell.state, cell.reachable, cell.blocked], ['reachable', 1, 0]);
  assert.ok(matrix.subnets[0]!.cells.every((c) => c.port === ports.http.default || c.state === 'not-tested'));
});
