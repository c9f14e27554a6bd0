import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isSiteportError } from './siteport-error.js';
import { checkPushHosts, checkPushSettings, normalizeHostKey } from './push-input.js';
import { PushApproveBody, PushCandidateBody, PushHostsBody, PushSettingsBody } from './wire/push-messages.js';
import { invalidField } from './wire/invalid-field.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

/** What the admin API does before a check function runs: the body against its schema. */
function schemaError(schema: TSchema, body: unknown): string | undefined {
  return Value.Check(schema, body) ? undefined : invalidField('body', Value.Errors(schema, body)).message;
}

test('push host bodies apply defaults and keep secrets out of JSON', () => {
  const body = { hosts: [{ host: 'Web1.example.org', privateKey: KEY, installDir: '/opt/sp/' }] };
  assert.equal(schemaError(PushHostsBody, body), undefined);
  const [spec] = checkPushHosts(body);
  assert.equal(spec?.host, 'web1.example.org');
  assert.equal(spec?.port, 22);
  assert.equal(spec?.source, 'api');
  assert.equal(spec?.installDir, '/opt/sp');
  assert.equal(spec?.secret?.kind, 'key');
  assert.ok(!JSON.stringify(spec).includes('OPENSSH'));
  const fingerprint = `sha256:${'A'.repeat(43)}=`;
  assert.equal(schemaError(PushApproveBody, { hostKey: fingerprint }), undefined);
  assert.equal(normalizeHostKey(fingerprint), `SHA256:${'A'.repeat(43)}`);
});

test('every push field of the wrong type or form is refused by its schema, naming the field', () => {
  const hosts: [unknown, RegExp][] = [
    [{}, /^body: \/hosts is required/],
    [{ hosts: [] }, /^body: \/hosts must be a list of 1 to 1000 items, got 0/],
    [{ hosts: [{ host: 'a', port: 0 }] }, /^body: \/hosts\/0\/port must be a whole number from 1 to 65535, got 0/],
    [{ hosts: [{ host: 'a', port: '22' }] }, /^body: \/hosts\/0\/port must be a whole number .*got a string/],
    [{ hosts: [{ host: 'a', privateKey: 'not a key' }] }, /^body: \/hosts\/0\/privateKey must be an SSH private key/],
    [{ hosts: [{ host: 'a', installDir: 'relative' }] }, /^body: \/hosts\/0\/installDir must be an absolute path/],
    [{ hosts: [{ host: 'a', installDir: "/opt/x'; rm -rf /" }] }, /^body: \/hosts\/0\/installDir /],
    [
      { hosts: [{ host: 'a', hostKey: 'MD5:aa' }] },
      /^body: \/hosts\/0\/hostKey must be a SHA-256 host key fingerprint/,
    ],
    [{ hosts: [{ host: 'a', user: 'root;id' }] }, /^body: \/hosts\/0\/user must be an account name/],
    [{ hosts: [{ host: 'a', source: 'magic' }] }, /^body: \/hosts\/0\/source must be one of api, cli, file, scan/],
    [{ hosts: [{ host: 'a', source: 'client' }] }, /^body: \/hosts\/0\/source /],
    [{ hosts: [{ host: 'a', colour: 'red' }] }, /^body: \/hosts\/0\/colour is not a field here; use host, port/],
  ];
  for (const [body, message] of hosts)
    assert.match(schemaError(PushHostsBody, body) ?? 'accepted', message, JSON.stringify(body));
  const settings: [unknown, RegExp][] = [
    [{ retryIntervalSeconds: 0 }, /^body: \/retryIntervalSeconds must be a whole number from 1 to 604800/],
    [{ retryForSeconds: -1 }, /^body: \/retryForSeconds /],
    [{ autoPush: 'yes' }, /^body: \/autoPush must be true or false/],
    [{ password: '' }, /^body: \/password must be text of 1 to 1024 characters/],
    [{ token: 'x' }, /^body: \/token is not a field here/],
  ];
  for (const [body, message] of settings)
    assert.match(schemaError(PushSettingsBody, body) ?? 'accepted', message, JSON.stringify(body));
  for (const body of [
    {},
    { clientId: '../x' },
    { clientId: 'c1', host: '127.0.0.3' },
    { clientId: 'c1', port: '22' },
  ]) {
    assert.ok(schemaError(PushCandidateBody, body) !== undefined, JSON.stringify(body));
  }
  assert.equal(schemaError(PushCandidateBody, { clientId: '6f1c2a9e-0000-4000-8000-000000000001' }), undefined);
  assert.ok(schemaError(PushApproveBody, { approval: 'approved' }) !== undefined);
});

test('the push rules a schema cannot state are refused with E_VALIDATION naming the field', () => {
  const table: [Parameters<typeof checkPushHosts>[0], RegExp][] = [
    [{ hosts: [{ host: 'bad host' }] }, /^hosts\[0\]\.host: /],
    [{ hosts: [{ host: 'a', privateKey: KEY, password: 'x' }] }, /not both/],
    [{ hosts: [{ host: 'a', installDir: '/opt/../etc' }] }, /no \.\./],
    [{ hosts: [{ host: 'a' }, { host: 'A', port: 22 }] }, /a:22 is listed twice/],
  ];
  for (const [body, message] of table) {
    assert.equal(schemaError(PushHostsBody, body), undefined, JSON.stringify(body));
    assert.throws(
      () => checkPushHosts(body),
      (e) => isSiteportError(e, 'E_VALIDATION') && message.test(e.message),
      JSON.stringify(body),
    );
  }
  assert.throws(
    () => checkPushSettings({ managementPoint: 'not a host!' }),
    (e) => isSiteportError(e, 'E_VALIDATION') && /^managementPoint: /.test(e.message),
  );
  assert.equal(checkPushHosts({ hosts: [{ host: 'a', source: 'scan' }] })[0]!.source, 'scan');
  assert.deepEqual(checkPushSettings({ autoPush: true, retryForSeconds: 0 }), { autoPush: true, retryForSeconds: 0 });
});
