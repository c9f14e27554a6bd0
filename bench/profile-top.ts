// `node --import tsx bench/profile-top.ts FILE.cpuprofile [N]`: the N (5) frames with the most
// self time in a V8 CPU profile (`node --cpu-prof`), with their share of the samples that were
// not idle. What docs/benchmarks.md quotes for a path that misses its ratio.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  frame: string;
  selfMs: number;
  /** Share of the busy (not idle, not program) samples' time. */
  share: number;
}

/** Where a frame is: the file's name (not its path) and line, or the V8 pseudo-frame's name. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const file = url.startsWith('node:') ? url : path.basename(url.replace(/^file:\/\//, ''));
  return `${name} ${file}:${lineNumber + 1}`;
}

/** Self time per frame, most first; `(idle)`, `(program)` and `(garbage collector)` are counted as V8 reports them. */
export function topFrames(profile: CpuProfile, count: number): { frames: Frame[]; busyMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const name = frameName(node);
    if (name !== '(idle)' && name !== '(program)') busy += ms;
    self.set(name, (self.get(name) ?? 0) + ms);
  });
  const frames = [...self.entries()]
    .filter(([name]) => name !== '(idle)' && name !== '(program)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, selfMs]) => ({ frame, selfMs, share: busy === 0 ? 0 : selfMs / busy }));
  return { frames, busyMs: busy };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [file, n] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [N]');
    process.exit(2);
  }
  const { frames, busyMs } = topFrames(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(n ?? 5));
  console.log(`${path.basename(file)}: ${busyMs.toFixed(0)} ms busy (not idle, not "program")\n`);
  console.log('| frame (self time) | ms | share of busy |');
  console.log('|---|---:|---:|');
  for (const f of frames) console.log(`| \`${f.frame}\` | ${f.selfMs.toFixed(0)} | ${(f.share * 100).toFixed(1)} % |`);
}
