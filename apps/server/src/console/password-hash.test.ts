import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from './password-hash.js';

test('a scrypt hash verifies its own password and no other, and two hashes of one password differ by salt', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
});

test('a malformed stored hash never matches', async () => {
  for (const stored of ['', 'plain', 'bcrypt$x$y', 'scrypt$32768$8$1$'])
    assert.equal(await verifyPassword('x', stored), false);
});
