import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '@siteport/protocol';
import type { ClientConfig } from '../client-config.js';
import { adoptGateway, gatewayConfigProblem, gatewayEndpoint, relayedByGateway } from './gateway-endpoint.js';

const config = {
  httpOnly: false,
  gateway: { host: 'gw.example.com', port: 443 },
} as unknown as ClientConfig;

describe('agent gateway fallback', () => {
  it('is an HTTPS endpoint, never for an HTTP-only client or without a gateway', () => {
    assert.deepEqual(gatewayEndpoint(config), {
      host: 'gw.example.com',
      protocol: 'https',
      port: 443,
      role: 'gateway',
    });
    assert.equal(gatewayEndpoint({ ...config, httpOnly: true }), undefined);
    assert.equal(gatewayEndpoint({ ...config, gateway: null }), undefined);
  });

  it('carries every request the gateway relays, not probes, sessions or long-polls', () => {
    assert.equal(relayedByGateway('/mp/v1/policy'), true);
    assert.equal(relayedByGateway('/mp/v1/register'), true);
    assert.equal(relayedByGateway('/mp/v1/probe'), false);
    assert.equal(relayedByGateway('/mp/v1/notify/session'), false);
    assert.equal(relayedByGateway('/mp/v1/notify/poll?wait=60'), false);
    assert.equal(relayedByGateway('/mp/v1/reachability'), false);
    assert.equal(relayedByGateway('/mp/v1/probe-report'), false);
  });

  it('follows policy: set, changed, removed; the same object when unchanged', () => {
    const policy = { gateway: { host: 'gw.example.com', port: 443 } } as unknown as Policy;
    assert.equal(adoptGateway(config, policy), config);
    assert.deepEqual(adoptGateway(config, { ...policy, gateway: { host: 'gw2', port: 8443 } }).gateway, {
      host: 'gw2',
      port: 8443,
    });
    assert.equal(adoptGateway(config, {} as Policy).gateway, null);
  });

  it('refuses a malformed gateway in client.json', () => {
    assert.equal(gatewayConfigProblem(null), null);
    assert.equal(gatewayConfigProblem({ host: 'gw', port: 443 }), null);
    assert.equal(gatewayConfigProblem({ host: 'a b', port: 443 }), 'gateway host is invalid');
    assert.equal(gatewayConfigProblem({ host: 'gw', port: 0 }), 'gateway port is invalid');
  });
});
