import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AGENT_VERSION } from '../agent-options.js';
import { readPackageEntries, writeEntries } from './safe-untar.js';

/** One ustar header block and the data blocks of an entry, as any tar writes them. */
function tarEntry(name: string, body: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}

const pack = (...entries: Buffer[]): Buffer => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

test('reads the entries below the top folder of a well-formed package', () => {
  const gz = pack(tarEntry('pkg/', '', '5'), tarEntry('pkg/VERSION', '0.2.0\n'), tarEntry('pkg/lib/a.js', 'x'));
  const entries = readPackageEntries(gz, 'pkg');
  assert.deepEqual(
    entries.map((e) => [e.path, e.type, e.data.toString()]),
    [
      ['VERSION', 'file', '0.2.0\n'],
      ['lib/a.js', 'file', 'x'],
    ],
  );
});

test('refuses an entry that climbs out with .., before anything is written', () => {
  const gz = pack(tarEntry('pkg/VERSION', '1'), tarEntry('pkg/../../etc/cron.d/evil', 'boom'));
  assert.throws(() => readPackageEntries(gz, 'pkg'), { code: 'E_UPGRADE_PATH', message: /\.\./ });
});

test('refuses absolute paths, entries outside the top folder, backslashes and links', () => {
  assert.throws(() => readPackageEntries(pack(tarEntry('/etc/passwd', 'x')), 'pkg'), {
    code: 'E_UPGRADE_PATH',
    message: /absolute/,
  });
  assert.throws(() => readPackageEntries(pack(tarEntry('other/file', 'x')), 'pkg'), {
    code: 'E_UPGRADE_PATH',
    message: /outside/,
  });
  assert.throws(() => readPackageEntries(pack(tarEntry('pkg\\..\\x', 'x')), 'pkg'), { code: 'E_UPGRADE_PATH' });
  assert.throws(() => readPackageEntries(pack(tarEntry('pkg/link', '', '2')), 'pkg'), {
    code: 'E_UPGRADE_PATH',
    message: /type "2"/,
  });
  assert.throws(() => readPackageEntries(pack(tarEntry('pkg/hard', '', '1')), 'pkg'), { code: 'E_UPGRADE_PATH' });
  assert.throws(() => readPackageEntries(pack(tarEntry('pkg/PaxHeader', 'path=../x', 'x')), 'pkg'), {
    code: 'E_UPGRADE_PATH',
  });
});

test('refuses a package that unpacks to more than the limit (a gzip bomb) or has too many entries', () => {
  const bomb = gzipSync(Buffer.concat([tarEntry('pkg/zeros', '\0'.repeat(1024 * 1024)), Buffer.alloc(1024)]));
  assert.ok(bomb.length < 10_000);
  assert.throws(() => readPackageEntries(bomb, 'pkg', { maxUnpackedBytes: 64 * 1024 }), {
    code: 'E_UPGRADE_TOO_LARGE',
  });
  const many = pack(...Array.from({ length: 5 }, (_, i) => tarEntry(`pkg/f${i}`, 'x')));
  assert.throws(() => readPackageEntries(many, 'pkg', { maxEntries: 4 }), { code: 'E_UPGRADE_TOO_LARGE' });
});

test('refuses what is not gzip, and a truncated tar', () => {
  assert.throws(() => readPackageEntries(Buffer.from('plain text'), 'pkg'), { code: 'E_UPGRADE_PACKAGE' });
  const whole = Buffer.concat([tarEntry('pkg/big', 'y'.repeat(2000))]);
  assert.throws(() => readPackageEntries(gzipSync(whole.subarray(0, 1024)), 'pkg'), {
    code: 'E_UPGRADE_PACKAGE',
    message: /truncated/,
  });
});

test('unpacks the real offline agent bundle that npm run bundle:agent builds', (t) => {
  const file = new URL(`../../dist/siteport-agent-${AGENT_VERSION}.tar.gz`, import.meta.url);
  if (!existsSync(file)) {
    t.skip('no built bundle in apps/agent/dist: run npm run bundle:agent');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-untar-'));
  try {
    const entries = readPackageEntries(readFileSync(file), `siteport-agent-${AGENT_VERSION}`);
    writeEntries(entries, dir);
    assert.deepEqual(readdirSync(dir).sort(), [
      'VERSION',
      'install.sh',
      'sha256sums',
      'siteport-agent.mjs',
      'siteport-agent.service',
    ]);
    assert.equal(readFileSync(path.join(dir, 'VERSION'), 'utf8'), `${AGENT_VERSION}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
