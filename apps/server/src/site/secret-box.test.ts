import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Secret, isSiteportError } from '@siteport/protocol';
import { tempDir } from '../../../../test-support/temp-dir.js';
import { PUSH_KEY_FILE, SecretBox } from './secret-box.js';

test('a sealed secret opens only with the same key file and the same context, and the key file is created 0600', async (t) => {
  const dir = tempDir(t);
  const box = await SecretBox.open(dir);
  assert.equal(statSync(path.join(dir, PUSH_KEY_FILE)).mode & 0o777, 0o600);
  const sealed = box.encrypt(new Secret('hunter2'), 'push-host:a');
  assert.ok(!sealed.includes('hunter2'));
  assert.equal((await SecretBox.open(dir)).decrypt(sealed, 'push-host:a').reveal(), 'hunter2');
  assert.throws(
    () => box.decrypt(sealed, 'push-host:b'),
    (e) => isSiteportError(e, 'E_SECRET_STORE'),
  );
  const other = tempDir(t);
  const otherBox = await SecretBox.open(other);
  assert.throws(
    () => otherBox.decrypt(sealed, 'push-host:a'),
    (e) => isSiteportError(e, 'E_SECRET_STORE') && /set that secret again/.test(e.message),
  );
  const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.throws(
    () => box.decrypt(tampered, 'push-host:a'),
    (e) => isSiteportError(e, 'E_SECRET_STORE'),
  );
});

test('a damaged key file is refused with what to do, and a secret prints as [redacted] everywhere', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, PUSH_KEY_FILE), 'short\n', { mode: 0o600 });
  await assert.rejects(
    SecretBox.open(dir),
    (e) => isSiteportError(e, 'E_SECRET_STORE') && /restore it from backup/.test(e.message),
  );
  const secret = new Secret('p@ss');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
  assert.equal(String(secret), '[redacted]');
  assert.equal(inspect({ secret }), "{ secret: '[redacted]' }".replace("'[redacted]'", '[redacted]'));
});
