import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from './siteport-error.js';
import { parseHostKeyFingerprint, parsePushHostsBody, parsePushSettingsBody } from './push-input.js';

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
