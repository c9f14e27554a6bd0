import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SiteportError } from '@siteport/protocol';
import { StateStore } from './state-store.js';
import { runSetup } from './setup.js';

const root = mkdtempSync(path.join(tmpdir(), 'siteport-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('StateStore', () => {
  it('reports E_NOT_INSTALLED with the setup command when client.json is missing', () => {
    const store = new StateStore(path.join(root, 'none'));
    assert.throws(
      () => store.readConfig(),
      (e: unknown) =>
        e instanceof SiteportError && e.code === 'E_NOT_INSTALLED' && /siteport setup --state/.test(e.message),
    );
  });

  for (const [label, text] of [
    ['a torn JSON file', '{"schema":1,"siteCo'],
    ['valid JSON of the wrong shape', '{"schema":1}'],
    ['ports out of range', ''],
  ] as const) {
    it(`reports E_STATE_CORRUPT naming client.json and saying to rerun setup for ${label}`, () => {
      const dir = path.join(root, label.replace(/\W/g, '-'));
      runSetup({ stateDir: dir, properties: ['SMSMP=mp1'] });
      const store = new StateStore(dir);
      const content =
        text === ''
          ? JSON.stringify({
              ...store.readConfig(),
              ports: { http: { default: 0, alternate: null }, https: { default: 443, alternate: null } },
            })
          : text;
      writeFileSync(store.file('config'), content);
      assert.throws(
        () => store.readConfig(),
        (e: unknown) =>
          e instanceof SiteportError &&
          e.code === 'E_STATE_CORRUPT' &&
          e.message.includes(store.file('config')) &&
          /rerun siteport setup/.test(e.message),
      );
    });
  }

  it('treats a pid file of a dead process as no running agent', () => {
    const store = new StateStore(path.join(root, 'pid'));
    store.ensureDir();
    store.writePid(2 ** 22 + 12345);
    assert.equal(store.liveAgentPid(), null);
    store.writePid(process.pid);
    assert.equal(store.liveAgentPid(), process.pid);
  });
});
