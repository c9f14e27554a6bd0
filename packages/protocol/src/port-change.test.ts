import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPortChange, parsePortAssignments } from './port-change.js';
import { defaultPortSettings } from './port-settings.js';
import { SiteportError } from './siteport-error.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SiteportError, String(error));
    return `${error.code}: ${error.message}`;
  }
  return 'accepted';
}

test('ITEM=VALUE assignments become a change; none removes an alternate', () => {
  const change = parsePortAssignments(
    ['http=8080', 'https-alternate=8443', 'http-alternate=none', 'custom-web-site=true'],
    ['http=Intranet'],
  );
  assert.deepEqual(change, {
    http: { default: 8080, alternate: null },
    https: { alternate: 8443 },
    customWebSite: true,
    descriptions: { http: 'Intranet' },
  });
  const next = applyPortChange(defaultPortSettings(), change);
  assert.equal(next.http.default, 8080);
  assert.equal(next.https.alternate, 8443);
  assert.equal(next.descriptions.http, 'Intranet');
});

test('bad assignments are refused with a code and a message naming the item', () => {
  const table: [string[], RegExp][] = [
    [['http=0'], /^E_PORT_RANGE: http must be a whole number from 1 to 65535, got "0"/],
    [['http=65536'], /^E_PORT_RANGE: .*"65536"/],
    [['https=abc'], /^E_PORT_RANGE: https .*"abc"/],
    [['https='], /^E_PORT_RANGE: https .*""/],
    [['wake=-9'], /^E_PORT_RANGE: wake/],
    [['notification=1e3'], /^E_PORT_RANGE/],
    [['http=none'], /^E_PORT_RANGE: http cannot be removed/],
    [['ftp=21'], /^E_UNKNOWN_ITEM: unknown item 'ftp'; use one of http, http-alternate/],
    [['http'], /^E_VALIDATION: expected a setting as NAME=VALUE/],
    [['custom-web-site=maybe'], /^E_VALIDATION: custom-web-site must be true or false/],
    [['communication-mode=fast'], /^E_VALIDATION: communication-mode must be one of https-or-http, https-only/],
  ];
  for (const [args, expected] of table)
    assert.match(
      codeOf(() => parsePortAssignments(args)),
      expected,
      args.join(' '),
    );
  assert.match(
    codeOf(() => parsePortAssignments([], ['ftp=x'])),
    /^E_UNKNOWN_ITEM/,
  );
});

test('the whole result is validated: distinct TCP ports, alternate differs from default, UDP wake may share a number', () => {
  const base = defaultPortSettings();
  assert.match(
    codeOf(() => applyPortChange(base, { http: { alternate: 80 } })),
    /^E_PORT_CONFLICT: http-alternate and http would both use TCP port 80/,
  );
  assert.match(
    codeOf(() => applyPortChange(base, { https: { default: 80 } })),
    /^E_PORT_CONFLICT: https and http/,
  );
  assert.match(
    codeOf(() => applyPortChange(base, { notification: 443 })),
    /^E_PORT_CONFLICT: notification and https/,
  );
  assert.match(
    codeOf(() => applyPortChange(base, { http: { alternate: 8080 }, https: { alternate: 8080 } })),
    /^E_PORT_CONFLICT/,
  );
  assert.equal(
    codeOf(() => applyPortChange(base, { wake: 80 })),
    'accepted',
  );
  assert.deepEqual(base, defaultPortSettings(), 'the input is not modified');
});
