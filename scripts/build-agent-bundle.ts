// `npm run bundle:agent [OUT_DIR]`: builds dist/agent/siteport-agent-<version>.tar.gz, the offline
// agent bundle that push installation uploads (see docs/push.md).
import path from 'node:path';
import { buildAgentBundle } from '@siteport/agent/bundle';

const out = path.resolve(process.argv[2] ?? 'dist/agent');
const bundle = await buildAgentBundle(out);
process.stdout.write(`${bundle.file}\n  version ${bundle.version}, ${bundle.bytes} bytes, sha256 ${bundle.sha256}\n`);
