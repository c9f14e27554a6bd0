import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '../siteport-error.js';
import {
  MAX_DIRECTORY_MANAGEMENT_POINTS,
  type PublishedSite,
  managementPointAttributes,
  parseManagementPointEntries,
  parseManagementPointEntry,
  parseSiteEntry,
  siteAttributes,
} from './published-site.js';
import { parseDirectoryUrl } from './directory-url.js';
import { directoryFailure } from './directory-failure.js';
import { Value } from '@sinclair/typebox/value';
import { DirectoryConfigBody, checkDirectoryConfig } from '../wire/directory-messages.js';

const site: PublishedSite = {
  siteCode: 'PS1',
  settingsVersion: 7,
  ports: { http: { default: 80, alternate: 8080 }, https: { default: 443, alternate: null } },
  notification: 10123,
  customWebSite: true,
  communicationMode: 'https-only',
  policyIntervalSeconds: 60,
  installProperties: ['SMSSITECODE=PS1', 'CCMHTTPPORT=80'],
  caCertificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----',
};

test('a site entry reads back to the site it was written from', () => {
  const attrs = siteAttributes(site);
  const entry = Object.fromEntries(
    Object.entries(attrs)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
  );
  assert.deepEqual(parseSiteEntry('cn=x', entry), site);
});

test('a malformed site entry is E_DIRECTORY_ENTRY naming the entry and the attribute', () => {
  const attrs = Object.fromEntries(Object.entries(siteAttributes(site)).map(([k, v]) => [k, v]));
  for (const [name, value] of [
    ['siteportHttpPort', ['0']],
    ['siteportSettingsVersion', ['x']],
    ['siteportCommunicationMode', ['carrier-pigeon']],
    ['siteportSiteCode', []],
  ] as const) {
    assert.throws(
      () => parseSiteEntry('cn=bad', { ...attrs, [name]: value }),
      (e: unknown) =>
        isSiteportError(e, 'E_DIRECTORY_ENTRY') && e.message.includes('cn=bad') && e.message.includes(name),
    );
  }
});

test('directory URLs: base DN from the path, everything else refused with E_DIRECTORY_CONFIG', () => {
  assert.deepEqual(parseDirectoryUrl('ldap://dc1.corp.example:389/dc=corp,dc=example'), {
    url: 'ldap://dc1.corp.example:389',
    baseDn: 'dc=corp,dc=example',
  });
  assert.deepEqual(parseDirectoryUrl('ldaps://dc1'), { url: 'ldaps://dc1', baseDn: null });
  for (const bad of ['', 'http://dc1', 'ldap://', 'ldap://u:p@dc1', 'ldap://dc1/?x', 'ldap://dc1/nodn', 42]) {
    assert.throws(
      () => parseDirectoryUrl(bad),
      (e: unknown) => isSiteportError(e, 'E_DIRECTORY_CONFIG'),
      String(bad),
    );
  }
});

test('LDAP failures map to codes that say what to do', () => {
  const cases: Array<[unknown, string]> = [
    [{ code: 49, message: 'Invalid Credentials' }, 'E_DIRECTORY_AUTH'],
    [{ code: 50, message: 'Insufficient Access' }, 'E_DIRECTORY_ACCESS'],
    [{ code: 17, message: 'undefined attribute type' }, 'E_DIRECTORY_SCHEMA'],
    [{ code: 65, message: 'object class violation' }, 'E_DIRECTORY_SCHEMA'],
    [{ code: 32, message: 'No Such Object' }, 'E_DIRECTORY_NOT_FOUND'],
    [{ code: 52, message: 'unavailable' }, 'E_DIRECTORY_UNREACHABLE'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'E_DIRECTORY_UNREACHABLE'],
    [{ code: 53, message: 'unwilling' }, 'E_DIRECTORY_FAILED'],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }, 'E_DIRECTORY_TLS'],
    [
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
      'E_DIRECTORY_TLS',
    ],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'E_DIRECTORY_TLS'],
  ];
  for (const [error, code] of cases)
    assert.equal(directoryFailure(error, 'publishing', 'ldap://dc').code, code, JSON.stringify(error));
});

test('directory settings: startTls only on ldap://, a CA certificate only with TLS and as PEM', () => {
  const url = 'ldap://dc1/dc=corp,dc=example';
  const pem = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
  assert.deepEqual(
    [checkDirectoryConfig({ url }).startTls, checkDirectoryConfig({ url }).caCertificate],
    [false, null],
  );
  assert.equal(checkDirectoryConfig({ url, startTls: true, caCertificate: pem }).caCertificate, pem);
  assert.equal(checkDirectoryConfig({ url: 'ldaps://dc1', caCertificate: pem }).caCertificate, pem);
  for (const body of [
    { url: 'ldaps://dc1', startTls: true },
    { url, caCertificate: pem },
    { url: 'ldaps://dc1', caCertificate: 'not pem' },
  ]) {
    assert.ok(Value.Check(DirectoryConfigBody, body), JSON.stringify(body));
    assert.throws(
      () => checkDirectoryConfig(body),
      (e: unknown) => isSiteportError(e, 'E_DIRECTORY_CONFIG'),
      JSON.stringify(body),
    );
  }
  for (const body of [
    { url, startTls: 'yes' },
    { url, password: 'a\nb' },
    { url, colour: 'red' },
    { url, installProperties: 'A=1' },
  ]) {
    assert.ok(!Value.Check(DirectoryConfigBody, body), `the schema refuses ${JSON.stringify(body)}`);
  }
});

test('hostile management point entries are skipped, each named once, and a site gives at most 64 management points', () => {
  const mp = (host: string, extra: Record<string, string> = {}) => ({
    dn: `cn=${host.slice(0, 20)},cn=siteport`,
    ...Object.fromEntries(
      Object.entries(
        managementPointAttributes({
          siteCode: 'PS1',
          host,
          settingsVersion: 3,
          ports: { http: { default: 80, alternate: null }, https: { default: 443, alternate: null } },
          notification: 10123,
        }),
      ).flatMap(([k, v]) => (v.length === 0 ? [] : [[k, v[0]!]])),
    ),
    ...extra,
  });
  const hostile = [
    mp('mp1.example.com'),
    mp('mp1.example.com; rm -rf /'),
    mp('http://evil.example/x'),
    mp('evil.example:8080'),
    mp(''),
    mp('-leading.example'),
    mp('x'.repeat(300)),
    mp('mp2.example.com', { siteportHttpPort: '0' }),
    mp('mp2.example.com', { siteportHttpsPort: '70000' }),
    mp('mp2.example.com', { siteportNotificationPort: '1e3' }),
    mp('mp2.example.com', { siteportSiteCode: 'PS2' }),
    mp('MP1.example.com'),
    mp('10.0.0.1'),
    mp('fd00::1'),
  ];
  assert.throws(
    () => parseManagementPointEntry('cn=evil', hostile[1]!),
    (e: unknown) => isSiteportError(e, 'E_DIRECTORY_ENTRY') && /is not a host name/.test(e.message),
  );
  const { managementPoints, skipped } = parseManagementPointEntries('PS1', hostile);
  assert.deepEqual(
    managementPoints.map((m) => m.host),
    ['mp1.example.com', '10.0.0.1', 'fd00::1'],
  );
  assert.equal(skipped.length, 10);
  assert.ok(skipped.every((e) => isSiteportError(e, 'E_DIRECTORY_ENTRY')));

  const many = Array.from({ length: 1000 }, (_, i) => mp(`mp${i}.example.com`));
  const bounded = parseManagementPointEntries('PS1', many);
  assert.equal(bounded.managementPoints.length, MAX_DIRECTORY_MANAGEMENT_POINTS);
  assert.deepEqual(bounded.skipped, []);
});
