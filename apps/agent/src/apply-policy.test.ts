import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '@siteport/protocol';
import { applyPolicy } from './apply-policy.js';
import type { ClientConfig } from './client-config.js';

const config: ClientConfig = {
  schema: 1,
  siteCode: 'AUTO',
  managementPoints: ['mp1'],
  internetManagementPoint: null,
  alwaysInternet: false,
  httpOnly: false,
  caFingerprint: null,
  category: 'workgroup',
  ports: { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } },
  clientId: 'c1',
  settingsVersion: 3,
  communicationMode: 'https-or-http',
  policyIntervalSeconds: 60,
};
const policy: Policy = {
  siteCode: 'PS1',
  settingsVersion: 4,
  ports: {
    http: { default: 8080, alternate: 80 },
    https: { default: 8443, alternate: null },
    notification: 10123,
    wake: 9,
  },
  communicationMode: 'https-only',
  policyIntervalSeconds: 120,
  managementPoints: ['mp2', 'mp1', 'mp2'],
  issuedAt: '2025-01-01T00:00:00Z',
};

describe('applyPolicy', () => {
  it('adopts ports, mode and interval of a newer policy and appends unknown MPs once', () => {
    const { config: next, adopted } = applyPolicy(config, policy);
    assert.equal(adopted, true);
    assert.deepEqual(next.ports, { http: { default: 8080, alternate: 80 }, https: { default: 8443, alternate: null } });
    assert.equal(next.communicationMode, 'https-only');
    assert.equal(next.policyIntervalSeconds, 120);
    assert.equal(next.settingsVersion, 4);
    assert.deepEqual(next.managementPoints, ['mp1', 'mp2']);
    assert.equal(next.siteCode, 'PS1');
  });
  it('keeps the configuration as it is for a policy that is not newer and names no new MP', () => {
    const same = applyPolicy(config, { ...policy, settingsVersion: 3, managementPoints: ['mp1'] });
    assert.equal(same.adopted, false);
    assert.equal(same.config, config);
  });
  it('learns a new management point from a policy that is not newer, and keeps its ports', () => {
    const learnt = applyPolicy(config, { ...policy, settingsVersion: 3 });
    assert.equal(learnt.adopted, false);
    assert.deepEqual(learnt.config.managementPoints, ['mp1', 'mp2']);
    assert.deepEqual(learnt.config.ports, config.ports);
    assert.equal(learnt.config.settingsVersion, 3);
  });
});
