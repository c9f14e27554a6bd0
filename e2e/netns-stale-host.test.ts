import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { TestHost, removeStaleHolder } from '../test-support/netns.js';
import { requireTool } from '../test-support/require-tool.js';

const namespaces = (): string => execFileSync('ip', ['netns', 'list']).toString();

test('a test host left behind by a killed run is removed when the next run takes its subnet', (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2')) return;
  const leftover = new TestHost(73);
  // No remove(): as if the run that made it had been killed.
  assert.match(namespaces(), new RegExp(leftover.name));
  const next = new TestHost(73);
  t.after(() => next.remove());
  assert.doesNotMatch(namespaces(), new RegExp(leftover.name), 'the leftover namespace is gone');
  const holders = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'to', next.hostAddress]).toString();
  assert.equal(holders.trim().split('\n').length, 1, 'one interface holds the address');
  assert.match(holders, new RegExp(`sp${next.name.slice('siteport-'.length)}h`));
  assert.match(next.exec('ip', '-o', '-4', 'addr', 'show'), /10\.231\.73\.2\/30/);
  assert.equal(removeStaleHolder('10.231.74.1'), undefined, 'nothing holds a free subnet');
});
