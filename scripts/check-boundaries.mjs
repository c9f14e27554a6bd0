#!/usr/bin/env node
// Checks the folder boundaries of apps/server/src (docs/architecture.md, decision 0107):
//   - every import from another folder goes through that folder's index.ts (no deep imports);
//   - the folders import each other without cycles;
//   - at most MAX_UPWARD imports point up the layers (platform < site < features < admin-api < wiring).
// Test files may import anything. Prints the folder graph; exits 1 when a rule is broken.
// `--json` prints the findings as JSON.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_UPWARD = 4;
/** Layer of each top folder; a folder not named here is a feature (layer 2); root files are wiring (4). */
export const LAYERS = { fs: 0, os: 0, net: 0, http: 0, site: 1, bridge: 1, 'admin-api': 3 };
const FEATURE = 2;
const WIRING = 4;
const ROOT = '(wiring)';

function sourceFiles(src) {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(full);
    }
  })(src);
  return files.sort();
}

/** The folder findings of a source tree: edges, deep and upward imports, cycles. */
export function checkBoundaries(src) {
  const folderOf = (file) => {
    const parts = path.relative(src, file).split(path.sep);
    return parts.length === 1 ? ROOT : parts[0];
  };
  const layerOf = (folder) => (folder === ROOT ? WIRING : (LAYERS[folder] ?? FEATURE));
  const edges = new Map();
  const deep = [];
  const upward = [];
  const specifier = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
      const target = path.resolve(path.dirname(file), match[1]).replace(/\.js$/, '.ts');
      if (!target.startsWith(src + path.sep)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const where = `${path.relative(src, file)} -> ${path.relative(src, target)}`;
      if (to !== ROOT && target !== path.join(src, to, 'index.ts')) deep.push(where);
      if (layerOf(to) > layerOf(from)) upward.push(where);
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
    }
  }
  const folders = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
  return { folders, edges, deep, upward, cycles: cyclesOf(edges) };
}

/** Groups of more than one folder that reach each other (Tarjan's strongly connected components). */
function cyclesOf(edges) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return groups;
}

/** Whether the findings keep the rules. */
export function withinRules(found) {
  return found.deep.length === 0 && found.cycles.length === 0 && found.upward.length <= MAX_UPWARD;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'server', 'src');
  const found = checkBoundaries(src);
  if (process.argv.includes('--json')) {
    const edges = Object.fromEntries([...found.edges].map(([k, v]) => [k, [...v].sort()]));
    console.log(JSON.stringify({ ...found, edges }));
  } else {
    for (const folder of found.folders) {
      const to = [...(found.edges.get(folder) ?? [])].sort();
      console.log(`${folder.padEnd(12)} -> ${to.join(', ') || '(nothing)'}`);
    }
    for (const d of found.deep) console.log(`deep import: ${d}`);
    for (const u of found.upward) console.log(`upward import: ${u}`);
    for (const c of found.cycles) console.log(`cycle: ${c.join(' <-> ')}`);
    console.log(
      `${found.folders.length} folders, ${found.deep.length} deep imports, ${found.upward.length} upward imports (at most ${MAX_UPWARD}), ${found.cycles.length} cycles`,
    );
  }
  process.exit(withinRules(found) ? 0 : 1);
}
