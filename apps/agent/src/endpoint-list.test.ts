import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientConfig } from './client-config.js';
import { endpointList, endpointUrl } from './endpoint-list.js';

const base: ClientConfig = {
  schema: 1,
  siteCode: 'PS1',
  managementPoints: ['mp1'],
  internetManagementPoint: null,
  alwaysInternet: false,
  httpOnly: false,
  caFingerprint: null,
  category: 'workgroup',
  ports: { http: { default: 80, alternate: 8080 }, https: { default: 443, alternate: 8443 } },
  clientId: null,
  settingsVersion: 0,
  communicationMode: 'https-or-http',
  policyIntervalSeconds: 60,
};
const urls = (config: ClientConfig): string[] => endpointList(config).map(endpointUrl);

describe('endpointList', () => {
  it('tries HTTPS default, HTTPS alternate, then HTTP default, HTTP alternate', () => {
    assert.deepEqual(urls(base), ['https://mp1:443', 'https://mp1:8443', 'http://mp1:80', 'http://mp1:8080']);
  });
  it('leaves out alternates that are not set', () => {
    const config = {
      ...base,
      ports: { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } },
    };
    assert.deepEqual(urls(config), ['https://mp1:443', 'http://mp1:80']);
  });
  it('never lists HTTP in https-only mode', () => {
    assert.deepEqual(urls({ ...base, communicationMode: 'https-only' }), ['https://mp1:443', 'https://mp1:8443']);
  });
  it('never lists HTTPS for an HTTP-only client', () => {
    assert.deepEqual(urls({ ...base, httpOnly: true }), ['http://mp1:80', 'http://mp1:8080']);
  });
  it('puts the internet MP last, and uses only it for an internet-only client; IPv6 hosts get brackets', () => {
    const config = {
      ...base,
      internetManagementPoint: '2001:db8::1',
      ports: { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } },
    };
    assert.deepEqual(urls(config), [
      'https://mp1:443',
      'http://mp1:80',
      'https://[2001:db8::1]:443',
      'http://[2001:db8::1]:80',
    ]);
    assert.deepEqual(urls({ ...config, alwaysInternet: true }), [
      'https://[2001:db8::1]:443',
      'http://[2001:db8::1]:80',
    ]);
  });
});
