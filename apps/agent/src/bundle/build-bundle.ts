import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import { SiteportError, isReleaseVersion } from '@siteport/protocol';
import { AGENT_VERSION } from '../agent-options.js';
import { BUNDLE_AGENT_SCRIPT } from '../upgrade/bundle-layout.js';

const run = promisify(execFile);

/** A built offline agent bundle: a versioned `.tar.gz` with the agent, its systemd unit and installer. */
export interface AgentBundle {
  /** Absolute path of `siteport-agent-<version>.tar.gz`. */
  file: string;
  /** The agent version inside (also the top folder name's suffix). */
  version: string;
  /** Name of the folder inside the tarball, `siteport-agent-<version>`. */
  folder: string;
  /** SHA-256 (hex) of the tarball. */
  sha256: string;
  bytes: number;
}

/** Name of the bundled agent script inside the bundle (where an upgrade's launcher looks for it too). */
const BUNDLE_SCRIPT = BUNDLE_AGENT_SCRIPT;

/**
 * Where the build step puts the bundle (`npm run bundle:agent`, run by `npm install` and before
 * `npm test`): the agent workspace's `dist/`, which a site server serves from and the package
 * trees copy with the workspace.
 */
export const AGENT_BUNDLE_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

const ENTRY = fileURLToPath(new URL('../bin/agent-main.ts', import.meta.url));
const FILES_DIR = fileURLToPath(new URL('../../bundle-files/', import.meta.url));

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bundle that {@link buildAgentBundle} writes into `outDir`, if it is there and intact. */
export function existingAgentBundle(outDir: string): AgentBundle | undefined {
  const folder = `siteport-agent-${AGENT_VERSION}`;
  const file = path.resolve(outDir, `${folder}.tar.gz`);
  try {
    const data = readFileSync(file);
    return { file, version: AGENT_VERSION, folder, sha256: sha256(data), bytes: data.length };
  } catch {
    return undefined;
  }
}

/**
 * Builds the offline agent bundle into `outDir`: esbuild bundles the agent's own entry (setup,
 * agent, portswitch, client status/identity; no server, no database) with every dependency into
 * one ESM file that runs on a plain Node.js 20 with no node_modules; next to it go the systemd
 * unit, `install.sh`, `VERSION` and `sha256sums`, packed as `siteport-agent-<version>.tar.gz`.
 * `version` stamps a release version into the agent (what it reports and upgrades compare); by
 * default it is siteport's.
 */
export async function buildAgentBundle(outDir: string, options: { version?: string } = {}): Promise<AgentBundle> {
  const version = options.version ?? AGENT_VERSION;
  if (!isReleaseVersion(version) && version !== AGENT_VERSION)
    throw new SiteportError(
      'E_OPTION',
      `${JSON.stringify(version)} is not a release version (MAJOR.MINOR.PATCH[-prerelease])`,
    );
  const folder = `siteport-agent-${version}`;
  const work = mkdtempSync(path.join(os.tmpdir(), 'siteport-bundle-'));
  try {
    const dir = path.join(work, folder);
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: [ENTRY],
      outfile: path.join(dir, BUNDLE_SCRIPT),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'silent',
      // The version the agent reports and an upgrade compares (decision 0111).
      define: { __SITEPORT_AGENT_VERSION__: JSON.stringify(version) },
      // pino and its helpers are CommonJS and require() Node built-ins; give the ESM bundle a require.
      banner: {
        js: "#!/usr/bin/env node\nimport { createRequire as __siteportRequire } from 'node:module';\nconst require = __siteportRequire(import.meta.url);",
      },
    });
    for (const name of ['install.sh', 'siteport-agent.service'])
      copyFileSync(path.join(FILES_DIR, name), path.join(dir, name));
    writeFileSync(path.join(dir, 'VERSION'), `${version}\n`);
    const sums = [BUNDLE_SCRIPT, 'install.sh', 'siteport-agent.service', 'VERSION']
      .map((name) => `${sha256(readFileSync(path.join(dir, name)))}  ${name}`)
      .join('\n');
    writeFileSync(path.join(dir, 'sha256sums'), `${sums}\n`);
    mkdirSync(outDir, { recursive: true });
    const file = path.resolve(outDir, `${folder}.tar.gz`);
    // Fixed order, owner and time: the same sources give the same tarball. Replaced atomically: a
    // server pushing meanwhile reads the old bundle or the new one, never half of one.
    const tar = await run(
      'tar',
      ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-czf', '-', '-C', work, folder],
      {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    writeFileAtomicSync(file, tar.stdout, 0o644);
    return { file, version, folder, sha256: sha256(tar.stdout), bytes: tar.stdout.length };
  } catch (error) {
    throw new SiteportError('E_INTERNAL', `building the agent bundle failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
