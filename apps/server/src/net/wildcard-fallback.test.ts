import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import pino from 'pino';
import { WildcardFallback } from './wildcard-fallback.js';

/** A logger that keeps its warnings. */
function recording(): { logger: pino.Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
  );
  return { logger, warnings };
}

const refused = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code} ::`), { code });

test('a :: bind the kernel refuses for want of IPv6 opens on 0.0.0.0, logged once; later listeners go to 0.0.0.0 at once', async () => {
  for (const code of ['EAFNOSUPPORT', 'EADDRNOTAVAIL']) {
    const { logger, warnings } = recording();
    const fallback = new WildcardFallback(logger, 'notification');
    const tried: string[] = [];
    const open = (host: string): Promise<string> => {
      tried.push(host);
      return host === '::' ? Promise.reject(refused(code)) : Promise.resolve(`bound ${host}`);
    };
    assert.equal(await fallback.listen('::', open), 'bound 0.0.0.0');
    assert.equal(await fallback.listen('::', open), 'bound 0.0.0.0');
    assert.equal(await fallback.listen('::', open), 'bound 0.0.0.0');
    assert.deepEqual(tried, ['::', '0.0.0.0', '0.0.0.0', '0.0.0.0'], 'after the first refusal :: is not tried again');
    assert.deepEqual(warnings, ['this host has no IPv6: listening on IPv4 (0.0.0.0) instead of the dual-stack ::']);
    assert.equal(fallback.ipv4Only, true);
  }
});

test('other errors, and any address but the wildcard, are not rewritten', async () => {
  const { logger, warnings } = recording();
  const fallback = new WildcardFallback(logger, 'client requests');
  await assert.rejects(
    fallback.listen('::', () => Promise.reject(refused('EADDRINUSE'))),
    (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
  );
  await assert.rejects(
    fallback.listen('fd00::5', (host) =>
      host === 'fd00::5' ? Promise.reject(refused('EADDRNOTAVAIL')) : Promise.resolve(host),
    ),
    (e: NodeJS.ErrnoException) => e.code === 'EADDRNOTAVAIL',
  );
  assert.equal(await fallback.listen('127.0.0.1', (host) => Promise.resolve(host)), '127.0.0.1');
  assert.deepEqual(warnings, []);
  assert.equal(fallback.ipv4Only, false);
});

test('with a real server: the injected refusal of :: leaves a listener on 0.0.0.0 that answers over IPv4', async (t) => {
  const { logger } = recording();
  const fallback = new WildcardFallback(logger, 'client requests');
  const server = await fallback.listen('::', (host) => {
    if (host === '::') return Promise.reject(refused('EAFNOSUPPORT'));
    const s = http.createServer((_req, res) => res.end('ok'));
    return new Promise<http.Server>((resolve) => s.listen({ host, port: 0 }, () => resolve(s)));
  });
  t.after(() => server.close());
  const address = server.address() as { address: string; port: number };
  assert.equal(address.address, '0.0.0.0');
  const answer = await fetch(`http://127.0.0.1:${address.port}/`);
  assert.equal(await answer.text(), 'ok');
});
