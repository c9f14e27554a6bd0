// `npm run package:agent-sea [-- --out DIR] [--node PATH] [--platform linux|darwin|win32]`: builds
// dist/agent-sea/siteport-agent, the agent as one executable that needs no Node.js on the endpoint
// (docs/packaging.md). Build on the platform you target: the Node.js binary is copied from `--node`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildAgentSea } from '@siteport/agent/bundle/sea';

const { values } = parseArgs({
  options: { out: { type: 'string' }, node: { type: 'string' }, platform: { type: 'string' } },
});
const platform = values.platform as NodeJS.Platform | undefined;
const sea = await buildAgentSea({
  outDir: path.resolve(values.out ?? 'dist/agent-sea'),
  ...(values.node === undefined ? {} : { node: values.node }),
  ...(platform === undefined ? {} : { platform }),
});
process.stdout.write(`${sea.file}\n  version ${sea.version}, ${sea.bytes} bytes, sha256 ${sea.sha256}\n`);
