import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { listenForReloads, reloadDeliveryFor, requestReload } from './reload-requests.js';
import { StateStore } from './state-store.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function store(): StateStore {
  const dir = mkdtempSync(path.join(tmpdir(), 'siteport-reload-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return new StateStore(dir);
}

function listen(platform: NodeJS.Platform, s: StateStore): { signals: EventEmitter; reloads: () => number } {
  const signals = new EventEmitter();
  let count = 0;
  const stop = listenForReloads({ store: s, platform, signals, pollMs: 20, onReload: () => (count += 1) });
  cleanups.push(stop);
  return { signals, reloads: () => count };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('reload delivery per platform', () => {
  it('uses SIGHUP where POSIX signals exist and the request file on Windows', () => {
    for (const platform of ['linux', 'darwin', 'freebsd'] as const) assert.equal(reloadDeliveryFor(platform), 'sighup');
    assert.equal(reloadDeliveryFor('win32'), 'request-file');
  });

  it('on Linux a sender signals the agent with SIGHUP and writes no request file', () => {
    const s = store();
    const sent: Array<[number, string]> = [];
    assert.equal(
      requestReload(s, 4242, 'linux', (pid, signal) => sent.push([pid, signal])),
      true,
    );
    assert.deepEqual(sent, [[4242, 'SIGHUP']]);
    assert.equal(existsSync(s.file('reloadRequest')), false);
  });

  it('on Linux a sender reports an agent that exited before the signal', () => {
    const s = store();
    const gone = (): never => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    };
    assert.equal(requestReload(s, 4242, 'linux', gone), false);
  });

  it('on Windows a sender never signals (it would end the agent) and writes a private request file', () => {
    const s = store();
    let signalled = false;
    assert.equal(
      requestReload(s, 4242, 'win32', () => (signalled = true)),
      true,
    );
    assert.equal(signalled, false);
    assert.equal(statSync(s.file('reloadRequest')).mode & 0o777, 0o600);
  });

  it('on Linux the agent reloads on SIGHUP and stops listening when told', () => {
    const s = store();
    const signals = new EventEmitter();
    let count = 0;
    const stop = listenForReloads({ store: s, platform: 'linux', signals, pollMs: 20, onReload: () => (count += 1) });
    assert.equal(signals.listenerCount('SIGHUP'), 1);
    signals.emit('SIGHUP');
    assert.equal(count, 1);
    stop();
    assert.equal(signals.listenerCount('SIGHUP'), 0);
  });

  it('on Windows the agent takes no SIGHUP (a closed console raises it) and reloads once per request file, removing it', async () => {
    const s = store();
    const { signals, reloads } = listen('win32', s);
    assert.equal(signals.listenerCount('SIGHUP'), 0);
    requestReload(s, process.pid, 'win32');
    await until('the request to be taken', () => reloads() === 1);
    assert.equal(existsSync(s.file('reloadRequest')), false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reloads(), 1, 'one request, one reload');
    requestReload(s, process.pid, 'win32');
    await until('the second request to be taken', () => reloads() === 2);
  });

  it('on Linux the agent also takes a request file, so a sender on any platform reaches it', async () => {
    const s = store();
    const { reloads } = listen('linux', s);
    requestReload(s, process.pid, 'win32');
    await until('the request to be taken', () => reloads() === 1);
    assert.equal(existsSync(s.file('reloadRequest')), false);
  });
});
