import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSetupProperties, splitSetupProperties } from './setup-properties.js';
import { SiteportError } from './siteport-error.js';

const parse = (...words: string[]) => parseSetupProperties(splitSetupProperties(words));

test('setup properties take the defaults CCMHTTPPORT=80 and CCMHTTPSPORT=443', () => {
  const props = parse('SMSMP=mp1.example.org', 'SMSSITECODE=ps1');
  assert.equal(props.siteCode, 'PS1');
  assert.equal(props.httpPort, 80);
  assert.equal(props.httpsPort, 443);
  assert.equal(props.alwaysInternet, false);
  assert.equal(parse('SMSMP=10.0.0.5').siteCode, 'AUTO');
});

test('invalid setup properties name the property and what it accepts', () => {
  const table: [string[], RegExp][] = [
    [['SMSMP=mp', 'CCMHTTPPORT=0'], /^CCMHTTPPORT: expected a whole number from 1 to 65535, got "0"/],
    [['SMSMP=mp', 'CCMHTTPSPORT=99999'], /^CCMHTTPSPORT: expected a whole number/],
    [['SMSMP=mp', 'CCMHTTPPORT=8080', 'CCMHTTPSPORT=8080'], /^CCMHTTPSPORT: must differ from CCMHTTPPORT/],
    [['SMSMP=mp', 'SMSSITECODE=TOOLONG'], /^SMSSITECODE: expected three letters or digits or AUTO/],
    [['SMSMP=bad host'], /^SMSMP: expected a host name/],
    [['SMSMP=mp', 'CCMALWAYSINF=yes'], /^CCMALWAYSINF: expected 0 or 1/],
    [['SMSMP=mp', 'CCMALWAYSINF=1'], /^CCMALWAYSINF: an internet-only client needs CCMHOSTNAME/],
    [[], /^SMSMP: name the management point/],
    [['SMSMP=mp', 'FOO=1'], /^FOO: unknown property/],
    [['SMSMP=mp', 'SMSMP=mp2'], /^SMSMP: given twice/],
    [['SMSMP'], /^SMSMP: expected PROPERTY=VALUE/],
    [['SMSMP=mp', 'SMSCAFINGERPRINT=abc'], /^SMSCAFINGERPRINT: expected a SHA-256 fingerprint/],
    [
      ['SMSMP=mp', 'SMSREGTOKEN=secret'],
      /^SMSREGTOKEN: expected a registration token as printed by siteport registration token create \(sprt_ and 43 characters\)$/,
    ],
  ];
  for (const [words, expected] of table) {
    assert.throws(
      () => parse(...words),
      (error: unknown) =>
        error instanceof SiteportError && error.code === 'E_SETUP_PROPERTY' && expected.test(error.message),
      words.join(' '),
    );
  }
});

test('SMSREGTOKEN carries a registration token; absent, the client registers without one', () => {
  const token = `sprt_${'A'.repeat(43)}`;
  assert.equal(parse('SMSMP=mp', `SMSREGTOKEN=${token}`).registrationToken, token);
  assert.equal(parse('SMSMP=mp').registrationToken, null);
});
