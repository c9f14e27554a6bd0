// `npm run bundle:agent [OUT_DIR] [--quiet]` (also run by `npm install` and `npm test`): builds
// siteport-agent-<version>.tar.gz, the offline agent bundle that push installation uploads, into
// apps/agent/dist, where a site server finds it (docs/push.md), or into OUT_DIR.
import path from 'node:path';
import { AGENT_BUNDLE_DIR, buildAgentBundle } from '@siteport/agent/bundle';

const args = process.argv.slice(2);
const outArg = args.find((arg) => !arg.startsWith('--'));
const bundle = await buildAgentBundle(outArg === undefined ? AGENT_BUNDLE_DIR : path.resolve(outArg));
if (!args.includes('--quiet')) {
  process.stdout.write(`${bundle.file}\n  version ${bundle.version}, ${bundle.bytes} bytes, sha256 ${bundle.sha256}\n`);
}
