import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientConfig } from '../client-config.js';
import { applyDirectory } from './apply-directory.js';
import type { DirectorySite } from './directory-reader.js';

const config: ClientConfig = {
  schema: 1,
  siteCode: 'PS1',
  managementPoints: ['mp1'],
  internetManagementPoint: null,
  alwaysInternet: false,
  httpOnly: false,
  caFingerprint: null,
  category: 'directory-joined',
  ports: { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } },
  clientId: 'c1',
  settingsVersion: 3,
  communicationMode: 'https-or-http',
  policyIntervalSeconds: 60,
  directory: { url: 'ldap://dc', baseDn: null, bindDn: null },
};

function published(siteCode: string, version: number): DirectorySite {
  return {
    site: {
      siteCode,
      settingsVersion: version,
      ports: { http: { default: 8080, alternate: 8081 }, https: { default: 8443, alternate: null } },
      notification: 10123,
      customWebSite: true,
      communicationMode: 'https-only',
      policyIntervalSeconds: 30,
      installProperties: [],
      caCertificate: null,
    },
    managementPoints: [],
    skipped: [],
  };
}

test('adopts the ports, mode and interval of a newer published version and keeps the stored MPs', () => {
  const { config: next, adopted } = applyDirectory(config, published('PS1', 4));
  assert.equal(adopted, true);
  assert.deepEqual(next.ports, { http: { default: 8080, alternate: 8081 }, https: { default: 8443, alternate: null } });
  assert.equal(next.communicationMode, 'https-only');
  assert.equal(next.policyIntervalSeconds, 30);
  assert.equal(next.settingsVersion, 4);
  assert.deepEqual(next.managementPoints, ['mp1']);
});

test('ignores the same or an older version, and another site', () => {
  assert.equal(applyDirectory(config, published('PS1', 3)).adopted, false);
  assert.equal(applyDirectory(config, published('PS1', 2)).adopted, false);
  assert.equal(applyDirectory(config, published('PS2', 9)).adopted, false);
});

test('an AUTO client takes the site code it finds', () => {
  const { config: next } = applyDirectory({ ...config, siteCode: 'AUTO', settingsVersion: 0 }, published('PS7', 1));
  assert.equal(next.siteCode, 'PS7');
});
