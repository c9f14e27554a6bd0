#!/usr/bin/env node
// `npm run build:cli` (also run by `npm install` and `npm test`): compiles the `siteport` CLI and
// the workspace code it imports to JavaScript in apps/cli/dist, one ESM chunk per lazily imported
// part, so a command loads only what it runs. Packages from node_modules stay external but for a
// few pure-JavaScript ones on the start-up path (native ones like better-sqlite3, ssh2 and cpu-features
// cannot be bundled). apps/cli/dist/build.json, written last, lists the sources that went in and when the
// build started; apps/cli/bin/siteport.js runs the build only while no source is newer (docs/cli.md).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const outFlag = process.argv.indexOf('--out');
/** Where the build goes: apps/cli/dist, or `--out DIR` (a test compiles to a folder of its own). */
const OUT = outFlag === -1 ? path.join(ROOT, 'apps/cli/dist') : path.resolve(process.argv[outFlag + 1] ?? '.');
const STAMP_NAME = 'build.json';
/** Workspace manifests: their `exports` decide which source a package name resolves to. */
const MANIFESTS = [
  'packages/protocol',
  'packages/db',
  'packages/wol',
  'packages/fs-atomic',
  'packages/backoff',
  'packages/session-crypto',
  'apps/server',
  'apps/agent',
  'apps/cli',
].map((dir) => `${dir}/package.json`);

const TOKEN = 'import.meta.url';
const IDENTIFIER_CHAR = /[\w$]/;

/**
 * Replaces every `import.meta.url` in code (not in a quoted string or a comment) with `url`.
 * Strings end at their line's end, so a regular expression literal holding a quote cannot hide
 * more than the rest of its line.
 */
function replaceImportMetaUrl(text, url) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    let end = -1;
    if (c === '"' || c === "'") {
      end = i + 1;
      while (end < text.length && text[end] !== c && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      end += 1;
    } else if (c === '/' && text[i + 1] === '/') {
      end = text.indexOf('\n', i);
    } else if (c === '/' && text[i + 1] === '*') {
      end = text.indexOf('*/', i + 2) + 2;
    } else if (
      text.startsWith(TOKEN, i) &&
      !IDENTIFIER_CHAR.test(text[i - 1] ?? '') &&
      !IDENTIFIER_CHAR.test(text[i + TOKEN.length] ?? '')
    ) {
      out += url;
      i += TOKEN.length;
      continue;
    }
    if (end === -1) {
      out += c;
      i += 1;
    } else {
      const stop = end <= i ? text.length : Math.min(end, text.length);
      out += text.slice(i, stop);
      i = stop;
    }
  }
  return out;
}

/**
 * Bundled code runs from apps/cli/dist, not from its source file. Each `import.meta.url` in a
 * workspace source becomes that source file's own URL, computed from the output folder at run
 * time, so every path made from it (the console's files, the agent bundle's sources and files,
 * the CLI's own bin, createRequire) resolves as it does from the sources, wherever the
 * repository lies.
 */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(TOKEN)) return undefined;
      const fromOut = path.relative(OUT, args.path).split(path.sep).join('/');
      return {
        contents: replaceImportMetaUrl(text, `new URL(${JSON.stringify(fromOut)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

/**
 * Compiled in: the workspace packages, and the pure-JavaScript packages every command loads at
 * start (TypeBox alone is some 250 files; one chunk loads faster). Every other package is loaded from
 * node_modules as it is from the sources.
 */
const COMPILED_IN = ['@siteport/', '@sinclair/typebox', 'smol-toml', 'commander'];
/** commander is CommonJS: its require() of Node built-ins needs a require in the ESM chunks. */
const REQUIRE_BANNER =
  "import { createRequire as __siteportRequire } from 'node:module';\nconst require = __siteportRequire(import.meta.url);";

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      COMPILED_IN.some((name) =>
        name.endsWith('/') ? args.path.startsWith(name) : args.path === name || args.path.startsWith(`${name}/`),
      )
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

const startedAt = Date.now();
// Built beside the old output and swapped in whole: a failed build leaves the old one (which the
// bin then finds out of date), and a CLI starting meanwhile never sees half a build.
const work = `${OUT}.partial-${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { siteport: 'apps/cli/src/main.ts' },
    outdir: work,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    chunkNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    banner: { js: REQUIRE_BANNER },
    plugins: [externalPackages, sourceUrls],
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/')),
    ...MANIFESTS,
  ].sort();
  // Which sources each chunk holds: the start-up test reads it to name what a command loaded.
  writeFileSync(path.join(work, 'meta.json'), JSON.stringify(result.metafile));
  writeFileSync(path.join(work, STAMP_NAME), `${JSON.stringify({ startedAt, inputs }, null, 1)}\n`);
  const old = `${OUT}.old-${process.pid}`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(work, OUT);
  rmSync(old, { recursive: true, force: true });
  if (!process.argv.includes('--quiet')) {
    const chunks = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js')).length;
    process.stdout.write(
      `built ${path.relative(ROOT, OUT)}: ${inputs.length} sources, ${chunks} chunks, ${Date.now() - startedAt} ms\n`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
