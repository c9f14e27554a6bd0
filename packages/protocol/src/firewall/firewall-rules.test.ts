import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { requireTool } from '../../../../test-support/require-tool.js';
import { defaultPortSettings } from '../port-settings.js';
import { type FirewallInput, firewallRules, parseFirewallFormat } from './firewall-rules.js';

function input(overrides: Partial<FirewallInput> = {}): FirewallInput {
  const settings = defaultPortSettings();
  settings.http.alternate = 8080;
  settings.https.alternate = 8443;
  return { siteCode: 'PS1', version: 4, settings, role: 'management-point', ...overrides };
}

test('nftables rules for the current ports load in nft check mode and allow exactly the site ports', (t) => {
  if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
  const rules = firewallRules(
    input({ overlap: [{ protocol: 'http', port: 8081, until: '2026-11-27T10:00:00.000Z' }] }),
    'nftables',
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-nft-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'siteport.nft');
  writeFileSync(file, rules.text);
  execFileSync('nft', ['-c', '-f', file]);
  const dports = [
    ...rules.text.matchAll(/^add rule inet filter input tcp dport (\d+) ct state new accept comment "siteport PS1 /gm),
  ].map((m) => Number(m[1]));
  assert.deepEqual(dports, [443, 8443, 80, 8080, 10123, 8081]);

  // The check is real: a broken line is rejected by nft.
  writeFileSync(file, rules.text.replace('dport 443', 'dport 70000'));
  assert.throws(() => execFileSync('nft', ['-c', '-f', file], { stdio: 'pipe' }));
});

test('nftables rules for clients open the UDP wake-up port and load in check mode', (t) => {
  if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
  const rules = firewallRules(input({ role: 'client' }), 'nftables');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-nft-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'c.nft'), rules.text);
  execFileSync('nft', ['-c', '-f', path.join(dir, 'c.nft')]);
  assert.match(rules.text, /^add rule inet filter input udp dport 9 accept comment "siteport PS1 wake-up packets"$/m);
  assert.deepEqual(rules.ports, [{ transport: 'udp', port: 9, purpose: 'wake-up packets' }]);
});

test('firewalld rules are a shell script of permanent add-port calls and a reload', () => {
  const text = firewallRules(input({ version: 'proposed' }), 'firewalld').text;
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '#!/bin/sh');
  assert.match(lines[1] ?? '', /proposed settings, not applied yet/);
  assert.ok(lines.includes('set -e'));
  const adds = lines.filter((l) => l.startsWith('firewall-cmd --permanent'));
  for (const l of adds) assert.match(l, /^firewall-cmd --permanent --add-port=\d{1,5}\/(tcp|udp) {2}# \w/);
  assert.deepEqual(
    adds.map((l) => /--add-port=(\S+)/.exec(l)?.[1]),
    ['443/tcp', '8443/tcp', '80/tcp', '8080/tcp', '10123/tcp'],
  );
  assert.equal(lines.at(-1), 'firewall-cmd --reload');
  assert.ok(lines.every((l) => l.startsWith('#') || l.startsWith('firewall-cmd ') || l === 'set -e'));
});

test('netsh advfirewall rules are exactly one inbound allow rule per port', () => {
  const text = firewallRules(input(), 'netsh').text;
  assert.equal(
    text,
    [
      'REM siteport site PS1: client communication ports (settings version 4)',
      'REM For every management point host of the site.',
      'REM Run in an elevated command prompt. A rule without localip/remoteip covers IPv4 and IPv6.',
      'netsh advfirewall firewall add rule name="siteport PS1 client requests HTTPS TCP 443" dir=in action=allow protocol=TCP localport=443',
      'netsh advfirewall firewall add rule name="siteport PS1 client requests HTTPS alternate TCP 8443" dir=in action=allow protocol=TCP localport=8443',
      'netsh advfirewall firewall add rule name="siteport PS1 client requests HTTP TCP 80" dir=in action=allow protocol=TCP localport=80',
      'netsh advfirewall firewall add rule name="siteport PS1 client requests HTTP alternate TCP 8080" dir=in action=allow protocol=TCP localport=8080',
      'netsh advfirewall firewall add rule name="siteport PS1 client notification TCP 10123" dir=in action=allow protocol=TCP localport=10123',
      '',
    ].join('\n'),
  );
});

test('an unknown format is refused with the list of formats', () => {
  assert.throws(() => parseFirewallFormat('iptables'), {
    code: 'E_VALIDATION',
    message: 'format must be one of nftables, firewalld, netsh, got "iptables"',
  });
});

test('every format covers IPv4 and IPv6: no rule names an address family or an address', () => {
  const nft = firewallRules(input(), 'nftables').text;
  assert.ok(
    nft
      .split('\n')
      .filter((l) => l.startsWith('add '))
      .every((l) => l.startsWith('add table inet filter') || / inet filter /.test(l)),
    'every nftables line works on the inet family',
  );
  assert.doesNotMatch(nft, /\b(ip|ip6) (s|d)addr\b|meta nfproto/);
  assert.doesNotMatch(firewallRules(input(), 'firewalld').text, /--family|rich-rule|--add-source/);
  const netsh = firewallRules(input(), 'netsh')
    .text.split('\n')
    .filter((l) => l.startsWith('netsh '));
  assert.equal(netsh.length, 5);
  for (const line of netsh) assert.doesNotMatch(line, /localip|remoteip/);
});
