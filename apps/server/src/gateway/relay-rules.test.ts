import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayKind } from './relay-rules.js';

describe('relayKind', () => {
  it('tells how each relayed request is verified', () => {
    assert.equal(relayKind('GET', '/mp/v1/ca'), 'ca');
    assert.equal(relayKind('POST', '/mp/v1/register'), 'register');
    assert.equal(relayKind('GET', '/mp/v1/policy'), 'client');
    assert.equal(relayKind('POST', '/mp/v1/heartbeat'), 'client');
    assert.equal(relayKind('GET', '/mp/v1/upgrade/package?version=1.2.3&part=0'), 'client');
  });

  it('refuses everything else with E_GATEWAY_PATH', () => {
    for (const url of [
      undefined,
      '',
      '*',
      'http://10.0.0.1/mp/v1/policy',
      '//evil.example/mp/v1/policy',
      '/',
      '/mp/v1',
      '/mp/v1/',
      '/mp/v2/policy',
      '/api/v1/sites',
      '/metrics',
      '/mp/v1/../api/v1/sites',
      '/mp/v1/./policy',
      '/mp/v1/%70olicy',
      '/mp/v1/policy/',
      '/mp/v1/a/b/c/d/e',
      '/mp/v1/policy?next=http://x',
      '/mp/v1/probe',
      '/mp/v1/notify/session',
      '/mp/v1/notify/poll?wait=60',
      '/mp/v1/reachability',
      '/mp/v1/probe-report',
    ]) {
      assert.throws(() => relayKind('GET', url), { code: 'E_GATEWAY_PATH' }, String(url));
    }
  });

  it('relays GET and POST only', () => {
    for (const method of ['PUT', 'DELETE', 'CONNECT', 'OPTIONS', undefined]) {
      assert.throws(() => relayKind(method, '/mp/v1/policy'), { code: 'E_METHOD_NOT_ALLOWED' }, String(method));
    }
  });
});
