import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import {
  UPGRADE_PART_BYTES,
  type UpgradeOffer,
  type UpgradeReport,
  agentPackageSigningString,
} from '@siteport/protocol';
import { AgentUpgrader, type UpgradeChannel } from './agent-upgrader.js';
import { releaseKeyFingerprint, releaseKeyId } from './package-verify.js';

const release = keyPair();

function keyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A package as tar builds it: `siteport-agent-<version>/` with the files given (names may be hostile). */
function tarball(dir: string, version: string, files: Record<string, string>): Buffer {
  const work = mkdtempSync(path.join(dir, 'pkg-'));
  const top = `siteport-agent-${version}`;
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(work, top, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
  const names = Object.keys(files).map((name) => path.posix.join(top, name));
  // --transform keeps a hostile name (../) in the archive as given, which GNU tar would strip.
  return execFileSync('tar', ['-czf', '-', '-C', work, '--transform', 's,ESCAPE,..,', ...names], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

function signature(data: Buffer, version: string, key = release): string {
  const signed = {
    format: 1 as const,
    version,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
    keyId: releaseKeyId(key.publicPem),
  };
  return JSON.stringify({
    ...signed,
    signature: sign(null, Buffer.from(agentPackageSigningString(signed)), key.privatePem).toString('base64'),
  });
}

/** A scripted MP: offers `data` as `version` with `sig`, records reports. */
function channel(data: Buffer, version: string, sig: string, extra: Partial<UpgradeOffer> = {}) {
  const reports: UpgradeReport[] = [];
  const offer: UpgradeOffer = {
    upgradeId: '00000000-0000-4000-8000-000000000001',
    action: 'install',
    version,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
    parts: Math.max(1, Math.ceil(data.length / UPGRADE_PART_BYTES)),
    allowDowngrade: false,
    releaseKey: release.publicPem,
    ...extra,
  };
  const ch: UpgradeChannel = {
    offer: () => Promise.resolve(offer),
    part: (_v, part) =>
      Promise.resolve({
        version,
        part,
        parts: offer.parts,
        data: data.subarray(part * UPGRADE_PART_BYTES, (part + 1) * UPGRADE_PART_BYTES).toString('base64'),
        ...(part === 0 ? { signature: sig } : {}),
      }),
    report: (body) => {
      reports.push(body);
      return Promise.resolve();
    },
  };
  return { ch, reports };
}

function upgrader(stateDir: string, pinned: string | null = releaseKeyFingerprint(release.publicPem)): AgentUpgrader {
  return new AgentUpgrader({
    stateDir,
    runningVersion: '0.2.0',
    releaseKeyFingerprint: () => pinned,
    trialMs: 60_000,
    logger: pino({ level: 'silent' }),
    launched: true,
  });
}

const HINT = { id: '00000000-0000-4000-8000-000000000001' };
const GOOD = { 'siteport-agent.mjs': 'console.log(1);\n', VERSION: '0.3.0\n' };

function withState(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-upgrader-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function refused(
  dir: string,
  data: Buffer,
  version: string,
  sig: string,
  code: RegExp,
  extra: Partial<UpgradeOffer> = {},
  pinned?: string | null,
) {
  const { ch, reports } = channel(data, version, sig, extra);
  assert.equal(await upgrader(dir, pinned).afterCheckIn(ch, HINT), 'none');
  assert.equal(reports.length, 1);
  assert.equal(reports[0]?.outcome, 'failed');
  assert.match(reports[0]?.detail ?? '', code);
  assert.equal(existsSync(path.join(dir, 'versions')), false, 'nothing was unpacked');
  assert.equal(existsSync(path.join(dir, 'agent-version.json')), false, 'the running version stays current');
}

test(
  'installs a signed package beside the running version and asks for a restart into it on trial',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', GOOD);
    const { ch, reports } = channel(data, '0.3.0', signature(data, '0.3.0'));
    assert.equal(await upgrader(dir).afterCheckIn(ch, HINT), 'restart');
    assert.deepEqual(reports, []);
    assert.equal(
      readFileSync(path.join(dir, 'versions', '0.3.0', 'siteport-agent.mjs'), 'utf8'),
      GOOD['siteport-agent.mjs'],
    );
    const pointer = JSON.parse(readFileSync(path.join(dir, 'agent-version.json'), 'utf8')) as {
      current: string;
      trial: unknown;
    };
    assert.equal(pointer.current, '0.3.0');
    assert.notEqual(pointer.trial, null);
  }),
);

test(
  'attack: a tampered package (bytes changed after signing) is refused and reported',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', GOOD);
    const sig = signature(data, '0.3.0');
    const bad = Buffer.from(data);
    bad[20] = (bad[20] ?? 0) ^ 0xff;
    await refused(dir, bad, '0.3.0', sig, /E_UPGRADE_PACKAGE/);
  }),
);

test(
  'attack: a package signed by another key is refused',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', GOOD);
    await refused(
      dir,
      data,
      '0.3.0',
      signature(data, '0.3.0', keyPair()),
      /E_UPGRADE_PACKAGE: .*not by the pinned release key/,
    );
  }),
);

test(
  'attack: a site that names another release key than the one pinned at setup is refused',
  withState(async (dir) => {
    const other = keyPair();
    const data = tarball(dir, '0.3.0', GOOD);
    await refused(dir, data, '0.3.0', signature(data, '0.3.0', other), /not the one pinned at setup/, {
      releaseKey: other.publicPem,
    });
  }),
);

test(
  'attack: a downgrade the administrator did not ask for is refused',
  withState(async (dir) => {
    const data = tarball(dir, '0.1.0', GOOD);
    await refused(dir, data, '0.1.0', signature(data, '0.1.0'), /E_UPGRADE_DOWNGRADE/);
  }),
);

test(
  'attack: a signed package with a path-traversal entry is refused before anything is written',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', { ...GOOD, 'ESCAPE/ESCAPE/evil.sh': 'touch /tmp/pwned\n' });
    await refused(dir, data, '0.3.0', signature(data, '0.3.0'), /E_UPGRADE_PATH/);
    assert.equal(existsSync(path.join(dir, '..', 'evil.sh')), false);
  }),
);

test(
  'attack: a download larger than the offer is cut off; an offer beyond the limit is refused',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', GOOD);
    await refused(
      dir,
      Buffer.concat([data, Buffer.alloc(100)]),
      '0.3.0',
      signature(data, '0.3.0'),
      /E_UPGRADE_TOO_LARGE/,
      { bytes: data.length },
    );
    await refused(dir, data, '0.3.0', signature(data, '0.3.0'), /E_UPGRADE_TOO_LARGE/, { bytes: 65 * 1024 * 1024 });
  }),
);

test(
  'no pinned release key, or no launcher: nothing is installed and the site is told why',
  withState(async (dir) => {
    const data = tarball(dir, '0.3.0', GOOD);
    await refused(dir, data, '0.3.0', signature(data, '0.3.0'), /SMSRELEASEKEY/, {}, null);
  }),
);
