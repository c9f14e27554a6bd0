// `node --import tsx bench/profile-top.ts FILE.cpuprofile [FROM_US TO_US] [N]`: the N (5) frames
// with the most self time in a V8 CPU profile (`node --cpu-prof`), with their share of the time
// that was not idle; over the whole profile, or only the samples between FROM_US and TO_US
// (CLOCK_MONOTONIC in µs, the clock of V8's sample times on Linux, which the notification
// benchmark prints around each phase). What docs/benchmarks.md quotes for a path that misses its ratio.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  frame: string;
  selfMs: number;
  /** Share of the busy (not idle) samples' time. */
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

/**
 * Self time per frame, most first, of the samples within `window` (µs on the profile's clock; all
 * of them without one). `(idle)`, time the thread waited for events, is left out; `(program)` and
 * `(garbage collector)` are counted as V8 reports them.
 */
export function topFrames(
  profile: CpuProfile,
  count: number,
  window: { fromUs: number; toUs: number } = { fromUs: -Infinity, toUs: Infinity },
): { frames: Frame[]; busyMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const node = byId.get(id);
    if (node === undefined || t < window.fromUs || t > window.toUs) return;
    const ms = delta / 1000;
    const name = frameName(node);
    if (name === '(idle)') return;
    busy += ms;
    self.set(name, (self.get(name) ?? 0) + ms);
  });
  const frames = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, selfMs]) => ({ frame, selfMs, share: busy === 0 ? 0 : selfMs / busy }));
  return { frames, busyMs: busy };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const args = process.argv.slice(2);
  const file = args[0];
  const windowed = args.length >= 3;
  const count = Number((windowed ? args[3] : args[1]) ?? 5);
  if (
    file === undefined ||
    !Number.isInteger(count) ||
    count < 1 ||
    (windowed && args.slice(1, 3).some((a) => !Number.isFinite(Number(a))))
  ) {
    console.error('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [FROM_US TO_US] [N]');
    process.exit(2);
  }
  const window = windowed ? { fromUs: Number(args[1]), toUs: Number(args[2]) } : undefined;
  const { frames, busyMs } = topFrames(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count, window);
  console.log(`${path.basename(file)}: ${busyMs.toFixed(0)} ms busy (not idle)\n`);
  console.log('| frame (self time) | ms | share of busy |');
  console.log('|---|---:|---:|');
  for (const f of frames) console.log(`| \`${f.frame}\` | ${f.selfMs.toFixed(0)} | ${(f.share * 100).toFixed(1)} % |`);
}
