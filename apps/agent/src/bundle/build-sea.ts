import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import { SiteportError } from '@siteport/protocol';
import { AGENT_VERSION } from '../agent-options.js';

const run = promisify(execFile);

/** The fuse string Node.js looks for to know a SEA blob was injected (Node 20 docs). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const ENTRY = fileURLToPath(new URL('../bin/agent-sea-main.ts', import.meta.url));

/** Options of {@link buildAgentSea}. */
export interface AgentSeaOptions {
  /** Folder the executable is written to (created). */
  outDir: string;
  /**
   * The Node.js 20 binary to copy and inject into; its platform decides the executable's.
   * @default process.execPath
   */
  node?: string;
  /**
   * Platform of `node`: `darwin` re-signs with `codesign`, `win32` names the file `.exe`.
   * @default process.platform
   */
  platform?: NodeJS.Platform;
}

/** A built single-executable agent. */
export interface AgentSea {
  /** Absolute path of `siteport-agent` (`siteport-agent.exe` for Windows). */
  file: string;
  version: string;
  sha256: string;
  bytes: number;
  /** The CommonJS script inside, as bundled (kept next to the executable for inspection). */
  script: string;
}

/**
 * Bundles the agent's entry into one CommonJS file, checks it loads nothing but Node.js
 * built-ins (a SEA cannot load native addons or files from node_modules), and returns its path.
 */
export async function buildAgentSeaScript(outFile: string): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const addon = inputs.find((input) => input.endsWith('.node'));
  if (addon !== undefined)
    throw new SiteportError(
      'E_INTERNAL',
      `the agent bundle includes a native addon (${addon}); a single executable cannot load it`,
    );
  const output = Object.values(result.metafile.outputs)[0];
  const external = (output?.imports ?? []).filter((entry) => entry.external && !isBuiltin(entry.path));
  if (external.length > 0) {
    throw new SiteportError(
      'E_INTERNAL',
      `the agent bundle requires modules outside it (${external.map((entry) => entry.path).join(', ')}); a single executable can load only Node.js built-ins`,
    );
  }
  return outFile;
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || BUILTINS.has(name);
}

const BUILTINS = new Set(builtinModules);

/**
 * Builds the agent as a Node.js single executable application: the agent's CommonJS bundle
 * becomes a SEA blob (`node --experimental-sea-config`), which `postject` injects into a copy of
 * the Node.js binary. The result runs on endpoints with no Node.js installed.
 */
export async function buildAgentSea(options: AgentSeaOptions): Promise<AgentSea> {
  const node = options.node ?? process.execPath;
  const platform = options.platform ?? process.platform;
  const name = platform === 'win32' ? 'siteport-agent.exe' : 'siteport-agent';
  const work = mkdtempSync(path.join(os.tmpdir(), 'siteport-sea-'));
  try {
    const script = await buildAgentSeaScript(path.join(work, 'siteport-agent.cjs'));
    const blob = path.join(work, 'siteport-agent.blob');
    const config = path.join(work, 'sea-config.json');
    writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
    await run(node, ['--experimental-sea-config', config], { cwd: work });
    const exe = path.join(work, name);
    copyFileSync(node, exe);
    chmodSync(exe, 0o755);
    if (platform === 'darwin') await run('codesign', ['--remove-signature', exe]);
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    const macho = platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [];
    await run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE, ...macho], {
      maxBuffer: 16 * 1024 * 1024,
    });
    if (platform === 'darwin') await run('codesign', ['--sign', '-', exe]);
    mkdirSync(options.outDir, { recursive: true });
    const file = path.resolve(options.outDir, name);
    const keptScript = path.resolve(options.outDir, 'siteport-agent.cjs');
    copyFileSync(script, keptScript);
    const data = readFileSync(exe);
    writeFileAtomicSync(file, data, 0o755);
    return {
      file,
      version: AGENT_VERSION,
      sha256: createHash('sha256').update(data).digest('hex'),
      bytes: data.length,
      script: keptScript,
    };
  } catch (error) {
    if (error instanceof SiteportError) throw error;
    throw new SiteportError('E_INTERNAL', `building the single-executable agent failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
