import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITEPORT_VERSION, SiteportError } from '@siteport/protocol';

/** The offline agent bundle a push uploads: `siteport-agent-<version>.tar.gz` (decision 0020). */
export interface AgentBundle {
  /** Absolute path of the tarball. */
  file: string;
  /** The agent version inside (the file name's suffix). */
  version: string;
  /** Name of the folder inside the tarball, `siteport-agent-<version>`. */
  folder: string;
  /** SHA-256 (hex) of the tarball. */
  sha256: string;
  bytes: number;
}

/**
 * The bundle the build step writes (`npm run bundle:agent`, run by `npm install` and before
 * `npm test`) into the agent workspace's `dist/`, which the package trees copy: the server serves
 * that file and never builds one (decision 0105).
 */
export const DEFAULT_AGENT_BUNDLE = path.join(
  fileURLToPath(new URL('../../../agent/dist/', import.meta.url)),
  `siteport-agent-${SITEPORT_VERSION}.tar.gz`,
);

const BUNDLE_NAME = /^(siteport-agent-(\d+\.\d+\.\d+[\w.-]*))\.tar\.gz$/;

/**
 * Where push installation gets the agent bundle: the prebuilt tarball `file` (`--agent-bundle`,
 * else {@link DEFAULT_AGENT_BUNDLE}), read at each push, so a rebuilt bundle is the next one
 * uploaded. A missing or misnamed file is E_OPTION naming the command that builds it.
 */
export function agentBundleSource(file: string): () => Promise<AgentBundle> {
  return () => readAgentBundle(file);
}

async function readAgentBundle(file: string): Promise<AgentBundle> {
  const name = path.basename(file);
  const match = BUNDLE_NAME.exec(name);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new SiteportError(
      'E_OPTION',
      `--agent-bundle must name a siteport-agent-<version>.tar.gz built by npm run bundle:agent, got ${name}`,
    );
  }
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `cannot read the agent bundle ${file}: ${(error as Error).message}; build it with npm run bundle:agent (npm install and npm test do), or pass --agent-bundle FILE`,
      { cause: error },
    );
  }
  return {
    file,
    folder: match[1],
    version: match[2],
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
  };
}
