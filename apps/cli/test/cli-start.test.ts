import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// What a start of the compiled CLI loads, and how bin/siteport.js picks the compiled CLI or the
// sources. Timing is left to `npm run bench:cli`: a wall-clock bound would flake on a busy machine.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = path.join(ROOT, 'scripts/build-cli.mjs');
const MODULE_LOG = fileURLToPath(new URL('../../../test-support/module-log.mjs', import.meta.url));

/** Sources and packages that only a command's action may load: never `--help` or `client status`. */
const HEAVY_SOURCES = ['apps/server/', 'packages/db/'];
const HEAVY_PACKAGES = [
  'better-sqlite3',
  'kysely',
  'pg',
  'ssh2',
  'cpu-features',
  'ldapts',
  'pino',
  'esbuild',
  '@peculiar/x509',
  'prom-client',
];

let work: string;
let out: string;
let chunkInputs: Map<string, string[]>;

before(() => {
  // Inside the repository: the compiled CLI finds its external packages in node_modules above it.
  mkdirSync(path.join(ROOT, '.siteport-test-tmp'), { recursive: true });
  work = mkdtempSync(path.join(ROOT, '.siteport-test-tmp', 'cli-start-'));
  out = path.join(work, 'dist');
  // A build of its own, so the test neither depends on nor disturbs apps/cli/dist.
  const built = spawnSync(process.execPath, [BUILD, '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  chunkInputs = new Map(Object.entries(meta.outputs).map(([file, o]) => [path.basename(file), Object.keys(o.inputs)]));
});

after(() => rmSync(work, { recursive: true, force: true }));

/** Runs the compiled CLI with the module log preloaded; returns the sources and packages it loaded. */
function loaded(
  args: string[],
  exitCode = 0,
): { sources: string[]; packages: string[]; stdout: string; stderr: string } {
  const log = path.join(work, `modules-${args.join('-').replace(/[^a-z]/gi, '')}.txt`);
  const run = spawnSync(process.execPath, ['--import', MODULE_LOG, path.join(out, 'siteport.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SITEPORT_MODULE_LOG: log },
  });
  assert.equal(run.status, exitCode, run.stderr);
  const urls = [
    ...new Set(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:')),
    ),
  ].map((u) => fileURLToPath(u));
  const sources = urls
    .filter((file) => file.startsWith(out))
    .flatMap((file) => chunkInputs.get(path.basename(file)) ?? []);
  const packages = urls.flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? []);
  return { sources, packages: [...new Set(packages)], stdout: run.stdout, stderr: run.stderr };
}

function assertLight(what: string, { sources, packages }: { sources: string[]; packages: string[] }): void {
  assert.ok(sources.includes('apps/cli/src/run-cli.ts'), `${what} ran the compiled CLI`);
  assert.deepEqual(
    sources.filter((file) => file.endsWith('.ts') && HEAVY_SOURCES.some((dir) => file.startsWith(dir))),
    [],
    `${what} loaded no server or database code`,
  );
  assert.deepEqual(
    packages.filter((name) => HEAVY_PACKAGES.includes(name)),
    [],
    `${what} loaded no heavy package`,
  );
}

test('siteport --help and --version load no server, database, SSH or LDAP modules', () => {
  const help = loaded(['--help']);
  assert.match(help.stdout, /^Usage: siteport \[options\] \[command\]/);
  assertLight('--help', help);
  const version = loaded(['--version']);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  assertLight('--version', version);
});

test('siteport client status loads only the agent state it reads', () => {
  const state = path.join(work, 'client');
  const setup = spawnSync(
    process.execPath,
    [path.join(out, 'siteport.js'), 'setup', '--state', state, 'SMSSITECODE=ABC', 'SMSMP=mp.invalid'],
    { encoding: 'utf8' },
  );
  assert.equal(setup.status, 0, setup.stderr);
  const status = loaded(['client', 'status', '--state', state]);
  assert.match(status.stdout, /^site code\s+ABC$/m);
  assertLight('client status', status);
});

test('a command loads its heavy modules when it runs: db migrate-to reaches the database layer', () => {
  const run = loaded(['db', 'migrate-to', 'postgres://u@127.0.0.1:1/x', '--data', path.join(work, 'no-such-dir')], 2);
  assert.match(run.stderr, /^siteport: E_OPTION: no embedded site database in /);
  assert.ok(run.sources.some((file) => file.startsWith('packages/db/')));
  assert.ok(run.packages.includes('kysely'));
});

/** A copy of bin/siteport.js in a tree of its own, with a stand-in compiled CLI and sources. */
function fakeTree(): { dir: string; run: (env?: NodeJS.ProcessEnv) => { stdout: string; stderr: string } } {
  const dir = mkdtempSync(path.join(work, 'tree-'));
  for (const sub of ['apps/cli/bin', 'apps/cli/dist', 'apps/cli/src'])
    mkdirSync(path.join(dir, sub), { recursive: true });
  copyFileSync(path.join(ROOT, 'apps/cli/bin/siteport.js'), path.join(dir, 'apps/cli/bin/siteport.js'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(path.join(dir, 'apps/cli/dist/siteport.js'), "process.stdout.write('compiled\\n');\n");
  writeFileSync(
    path.join(dir, 'apps/cli/src/main.ts'),
    "const from: string = 'sources';\nprocess.stdout.write(`${from}\\n`);\n",
  );
  const old = new Date(Date.now() - 60_000);
  utimesSync(path.join(dir, 'apps/cli/src/main.ts'), old, old);
  writeFileSync(
    path.join(dir, 'apps/cli/dist/build.json'),
    JSON.stringify({ startedAt: Date.now() - 30_000, inputs: ['apps/cli/src/main.ts'] }),
  );
  return {
    dir,
    run: (env = {}) => {
      const r = spawnSync(process.execPath, [path.join(dir, 'apps/cli/bin/siteport.js')], {
        encoding: 'utf8',
        env: { ...process.env, SITEPORT_FROM_SOURCE: '', ...env },
      });
      assert.equal(r.status, 0, r.stderr);
      return { stdout: r.stdout, stderr: r.stderr };
    },
  };
}

test('bin/siteport.js runs the compiled CLI while no source is newer than its build', () => {
  const tree = fakeTree();
  assert.deepEqual(tree.run(), { stdout: 'compiled\n', stderr: '' });
  assert.deepEqual(tree.run({ SITEPORT_FROM_SOURCE: '1' }), { stdout: 'sources\n', stderr: '' });
});

test('bin/siteport.js runs the sources through tsx once a source changed, quietly when stderr is not a terminal', () => {
  const tree = fakeTree();
  writeFileSync(path.join(tree.dir, 'apps/cli/src/main.ts'), "process.stdout.write('edited\\n');\n");
  assert.deepEqual(tree.run(), { stdout: 'edited\n', stderr: '' });
});

test('bin/siteport.js runs the sources with a one-line note when there is no build', () => {
  const tree = fakeTree();
  rmSync(path.join(tree.dir, 'apps/cli/dist'), { recursive: true });
  const { stdout, stderr } = tree.run();
  assert.equal(stdout, 'sources\n');
  assert.match(
    stderr,
    /^siteport: no compiled CLI \(apps\/cli\/dist\); running the TypeScript sources through tsx \(npm run build:cli builds it\)\n$/,
  );
});
