import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DIRECTORY_ATTRIBUTES, DIRECTORY_CLASSES, DIRECTORY_OID_BASE } from '@siteport/protocol';

const read = (name: string): string =>
  readFileSync(new URL(`../../../deploy/directory/${name}`, import.meta.url), 'utf8');

test('the OpenLDAP schema and the Active Directory LDIF define the same names with the same OIDs as the code uses', () => {
  const openldap = new Map(
    [...read('siteport.schema').matchAll(/\(\s*([\d.]+)\s+NAME\s+'(\w+)'/g)].map((m) => [m[2]!, m[1]!]),
  );
  const ad = new Map<string, string>();
  for (const block of read('siteport-ad.ldif').split(/\n\n+/)) {
    const name = /^lDAPDisplayName: (\w+)$/m.exec(block)?.[1];
    const oid = /^(?:attributeID|governsID): ([\d.]+)$/m.exec(block)?.[1];
    if (name !== undefined && oid !== undefined) ad.set(name, oid);
  }
  assert.deepEqual(Object.fromEntries([...ad].sort()), Object.fromEntries([...openldap].sort()));
  const names = [...Object.values(DIRECTORY_ATTRIBUTES), ...Object.values(DIRECTORY_CLASSES)].sort();
  assert.deepEqual([...openldap.keys()].sort(), names);
  for (const oid of openldap.values()) assert.ok(oid.startsWith(`${DIRECTORY_OID_BASE}.`), oid);
  assert.equal(new Set(openldap.values()).size, openldap.size, 'no OID is used twice');
});
