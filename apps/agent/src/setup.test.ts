import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { SiteportError } from '@siteport/protocol';
import { runSetup } from './setup.js';
import { StateStore } from './state-store.js';

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});
function freshDir(): string {
  root = mkdtempSync(path.join(tmpdir(), 'siteport-setup-'));
  return path.join(root, 'client');
}

describe('runSetup', () => {
  const invalid: Array<[string[], RegExp]> = [
    [['SMSMP=mp1', 'CCMHTTPPORT=0'], /^CCMHTTPPORT: expected a whole number from 1 to 65535, got "0"/],
    [['SMSMP=mp1', 'CCMHTTPPORT=65536'], /^CCMHTTPPORT: .*got "65536"/],
    [['SMSMP=mp1', 'CCMHTTPSPORT=abc'], /^CCMHTTPSPORT: .*got "abc"/],
    [['SMSMP=mp1', 'CCMHTTPPORT='], /^CCMHTTPPORT: .*got ""/],
    [['SMSMP=mp1', 'CCMHTTPPORT=8080', 'CCMHTTPSPORT=8080'], /^CCMHTTPSPORT: must differ from CCMHTTPPORT/],
    [['SMSMP=mp1', 'SMSSITECODE=TOOLONG'], /^SMSSITECODE: expected three letters or digits or AUTO/],
    [['SMSMP=mp1', 'CCMALWAYSINF=2'], /^CCMALWAYSINF: expected 0 or 1/],
    [['SMSMP=mp1', 'CCMALWAYSINF=1'], /^CCMALWAYSINF: an internet-only client needs CCMHOSTNAME/],
    [['SMSMP=bad host'], /^SMSMP: expected a host name or IP address/],
    [['SMSMP=mp1', 'SMSCAFINGERPRINT=xyz'], /^SMSCAFINGERPRINT: expected a SHA-256 fingerprint/],
    [['SMSMP=mp1', 'FOO=1'], /^FOO: unknown property/],
    [['SMSMP=mp1', 'SMSMP=mp2'], /^SMSMP: given twice/],
    [['SMSMP'], /^SMSMP: expected PROPERTY=VALUE/],
    [[], /^SMSMP: name the management point/],
  ];
  for (const [properties, message] of invalid) {
    it(`refuses ${JSON.stringify(properties)} with E_SETUP_PROPERTY and writes nothing`, () => {
      const dir = freshDir();
      assert.throws(
        () => runSetup({ stateDir: dir, properties }),
        (error: unknown) =>
          error instanceof SiteportError && error.code === 'E_SETUP_PROPERTY' && message.test(error.message),
      );
      assert.equal(existsSync(dir), false);
    });
  }

  it('writes client.json, a 0600 key and a 0700 directory with the default ports', () => {
    const dir = freshDir();
    const config = runSetup({ stateDir: dir, properties: ['SMSMP=mp1.example'] });
    assert.deepEqual(config.ports, {
      http: { default: 80, alternate: null },
      https: { default: 443, alternate: null },
    });
    assert.equal(config.siteCode, 'AUTO');
    assert.equal(config.category, 'workgroup');
    assert.equal(config.communicationMode, 'https-or-http');
    assert.equal(config.policyIntervalSeconds, 60);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(dir, 'key.pem')).mode & 0o777, 0o600);
    assert.deepEqual(new StateStore(dir).readConfig(), config);
    assert.deepEqual(readdirSync(dir).sort(), ['client.json', 'key.pem']);
  });

  it('configures an internet-only client from CCMALWAYSINF=1 and CCMHOSTNAME', () => {
    const config = runSetup({
      stateDir: freshDir(),
      properties: ['CCMHOSTNAME=mp.example.com', 'CCMALWAYSINF=1', 'CCMHTTPSPORT=8443'],
    });
    assert.equal(config.category, 'internet-only');
    assert.equal(config.alwaysInternet, true);
    assert.deepEqual(config.managementPoints, []);
    assert.equal(config.ports.https.default, 8443);
  });

  it('keeps the identity key and client id on reinstall, and drops both when the site code changes', () => {
    const dir = freshDir();
    runSetup({ stateDir: dir, properties: ['SMSMP=mp1', 'SMSSITECODE=PS1'] });
    const store = new StateStore(dir);
    const key = store.readText('key');
    store.writeConfig({ ...store.readConfig(), clientId: 'c-1', settingsVersion: 7 });
    const again = runSetup({ stateDir: dir, properties: ['SMSMP=mp1', 'CCMHTTPPORT=8080'] });
    assert.equal(again.clientId, 'c-1');
    assert.equal(again.siteCode, 'PS1');
    assert.equal(again.settingsVersion, 0);
    assert.equal(store.readText('key'), key);
    const moved = runSetup({ stateDir: dir, properties: ['SMSMP=mp1', 'SMSSITECODE=PS2'] });
    assert.equal(moved.clientId, null);
    assert.notEqual(store.readText('key'), key);
  });
});
