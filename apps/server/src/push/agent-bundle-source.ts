import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AgentBundle, buildAgentBundle } from '@siteport/agent/bundle';
import { SiteportError } from '@siteport/protocol';

/**
 * Where push installation gets the agent bundle: a prebuilt tarball (`--agent-bundle`, as
 * `npm run bundle:agent` writes it), or one built from the sources into `buildDir` the first time a
 * push needs it (once per server process, so it always matches the running code).
 */
export function agentBundleSource(prebuilt: string | undefined, buildDir: string): () => Promise<AgentBundle> {
  let pending: Promise<AgentBundle> | undefined;
  return () => {
    pending ??= prebuilt === undefined ? buildAgentBundle(buildDir) : Promise.resolve(readPrebuilt(prebuilt));
    // A failed build is not cached: the next attempt tries again.
    pending.catch(() => (pending = undefined));
    return pending;
  };
}

function readPrebuilt(file: string): AgentBundle {
  const name = path.basename(file);
  const match = /^(siteport-agent-(\d+\.\d+\.\d+[\w.-]*))\.tar\.gz$/.exec(name);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new SiteportError('E_OPTION', `--agent-bundle must name a siteport-agent-<version>.tar.gz built by npm run bundle:agent, got ${name}`);
  }
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new SiteportError('E_OPTION', `cannot read the agent bundle ${file}: ${(error as Error).message}; build it with npm run bundle:agent`, { cause: error });
  }
  return { file, folder: match[1], version: match[2], sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}
