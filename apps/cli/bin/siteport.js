#!/usr/bin/env node
// Runs the compiled CLI in ../dist (built by `npm install`, `npm test` and `npm run build:cli`)
// while it is current: dist/build.json lists the sources that went into it and when the build
// started, and no source may be newer. Otherwise the TypeScript sources run through tsx, as they
// do with SITEPORT_FROM_SOURCE=1. See docs/cli.md.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STAMP = new URL('../dist/build.json', import.meta.url);

/** 'current', 'missing' (never built) or the first source changed since the build. */
function buildState() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return 'missing';
  }
  for (const file of stamp.inputs) {
    const stat = statSync(ROOT + file, { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > stamp.startedAt) return file;
  }
  return 'current';
}

const state = process.env.SITEPORT_FROM_SOURCE === '1' ? 'source' : buildState();
if (state === 'current') {
  await import('../dist/siteport.js');
} else {
  // A missing build is said always; an out-of-date one only on a terminal, so that scripts and
  // tests reading stderr see the same output while the sources are being edited.
  if (state === 'missing') {
    process.stderr.write(
      'siteport: no compiled CLI (apps/cli/dist); running the TypeScript sources through tsx (npm run build:cli builds it)\n',
    );
  } else if (state !== 'source' && process.stderr.isTTY) {
    process.stderr.write(
      `siteport: ${state} changed since the CLI was compiled; running the sources through tsx (npm run build:cli)\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
