import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from './siteport-error.js';
import { parseHostKeyFingerprint, parsePushApproveBody, parsePushCandidateBody, parsePushHostsBody, parsePushSettingsBody } from './push-input.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

test('push host bodies apply defaults and keep secrets out of JSON', () => {
  const [spec] = parsePushHostsBody({ hosts: [{ host: 'Web1.example.org', privateKey: KEY, installDir: '/opt/sp/' }] });
  assert.equal(spec?.host, 'web1.example.org');
  assert.equal(spec?.port, 22);
  assert.equal(spec?.installDir, '/opt/sp');
  assert.equal(spec?.secret?.kind, 'key');
  assert.ok(!JSON.stringify(spec).includes('OPENSSH'));
  assert.equal(parseHostKeyFingerprint(`sha256:${'A'.repeat(43)}=`), `SHA256:${'A'.repeat(43)}`);
});

test('every bad push field is refused with E_VALIDATION naming the field', () => {
  const table: [unknown, RegExp][] = [
    [{}, /^hosts: /],
    [{ hosts: [] }, /^hosts: expected a list/],
    [{ hosts: [{ host: 'bad host' }] }, /^hosts\[0\]\.host: /],
    [{ hosts: [{ host: 'a', port: 0 }] }, /^hosts\[0\]\.port: expected a whole number from 1 to 65535/],
    [{ hosts: [{ host: 'a', privateKey: KEY, password: 'x' }] }, /not both/],
    [{ hosts: [{ host: 'a', privateKey: 'not a key' }] }, /^hosts\[0\]\.privateKey: /],
    [{ hosts: [{ host: 'a', installDir: 'relative' }] }, /^hosts\[0\]\.installDir: /],
    [{ hosts: [{ host: 'a', installDir: '/opt/../etc' }] }, /no \.\./],
    [{ hosts: [{ host: 'a', installDir: "/opt/x'; rm -rf /" }] }, /^hosts\[0\]\.installDir: /],
    [{ hosts: [{ host: 'a', hostKey: 'MD5:aa' }] }, /^hosts\[0\]\.hostKey: /],
    [{ hosts: [{ host: 'a', user: 'root;id' }] }, /^hosts\[0\]\.user: /],
    [{ hosts: [{ host: 'a', source: 'magic' }] }, /^hosts\[0\]\.source: /],
    [{ hosts: [{ host: 'a', colour: 'red' }] }, /^hosts\[0\]\.colour: unknown field/],
    [{ hosts: [{ host: 'a' }, { host: 'a', port: 22 }] }, /a:22 is listed twice/],
  ];
  for (const [body, message] of table) {
    assert.throws(() => parsePushHostsBody(body), (e) => isSiteportError(e, 'E_VALIDATION') && message.test(e.message), JSON.stringify(body));
  }
  const settings: [unknown, RegExp][] = [
    [{ retryIntervalSeconds: 0 }, /^retryIntervalSeconds: /],
    [{ retryForSeconds: -1 }, /^retryForSeconds: /],
    [{ autoPush: 'yes' }, /^autoPush: expected true or false/],
    [{ managementPoint: 'not a host!' }, /^managementPoint: /],
    [{ password: '' }, /^password: /],
    [{ token: 'x' }, /^body\.token: unknown field/],
    [[], /^body: expected a JSON object/],
  ];
  for (const [body, message] of settings) {
    assert.throws(() => parsePushSettingsBody(body), (e) => isSiteportError(e, 'E_VALIDATION') && message.test(e.message), JSON.stringify(body));
  }
});

test('a push candidate names a client id (never a host), an approval optionally a host key; a body cannot claim the server-only source "client"', () => {
  assert.deepEqual(parsePushCandidateBody({ clientId: '6f1c2a9e-0000-4000-8000-000000000001' }), { clientId: '6f1c2a9e-0000-4000-8000-000000000001', port: 22 });
  assert.deepEqual(parsePushCandidateBody({ clientId: 'c1', port: 2222 }), { clientId: 'c1', port: 2222 });
  for (const body of [{}, { clientId: '../x' }, { clientId: 'c1', host: '127.0.0.3' }, { clientId: 'c1', port: '22' }]) {
    assert.throws(() => parsePushCandidateBody(body), (e) => isSiteportError(e, 'E_VALIDATION'), JSON.stringify(body));
  }
  const fingerprint = `SHA256:${'A'.repeat(43)}`;
  assert.deepEqual(parsePushApproveBody(undefined), {});
  assert.deepEqual(parsePushApproveBody({ hostKey: fingerprint }), { hostKey: fingerprint });
  assert.throws(() => parsePushApproveBody({ hostKey: 'MD5:aa' }), (e) => isSiteportError(e, 'E_VALIDATION'));
  assert.throws(() => parsePushApproveBody({ approval: 'approved' }), (e) => isSiteportError(e, 'E_VALIDATION'));
  assert.throws(() => parsePushHostsBody({ hosts: [{ host: 'a', source: 'client' }] }), (e) => isSiteportError(e, 'E_VALIDATION') && /source/.test(e.message));
  assert.equal(parsePushHostsBody({ hosts: [{ host: 'a', source: 'scan' }] })[0]!.source, 'scan');
});
