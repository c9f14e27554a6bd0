// `node --import tsx bench/notify-profile-top.ts FILE.cpuprofile [FROM_US TO_US] [N]`: the N (5)
// frames with the most self time in a V8 CPU profile (`--cpu-prof`, NOTIFY_BENCH_PROFILE), over
// the whole profile or only the samples between FROM_US and TO_US, idle time left out — CLOCK_MONOTONIC in µs, the
// clock of V8's sample times on Linux, which the notification benchmark prints around each phase.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, from, to, n = '5'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node --import tsx bench/notify-profile-top.ts FILE.cpuprofile [FROM_US TO_US] [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const lo = from === undefined ? -Infinity : Number(from);
const hi = to === undefined ? Infinity : Number(to);
const self = new Map<string, number>();
let total = 0;
let t = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  t += delta;
  if (t < lo || t > hi) return;
  const frame = byId.get(id)!.callFrame;
  // Time the thread waited for events is no cost.
  if (frame.functionName === '(idle)') return;
  const where =
    frame.url === ''
      ? ''
      : ` ${frame.url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/')}:${frame.lineNumber + 1}`;
  const key = `${frame.functionName || '(anonymous)'}${where}`;
  self.set(key, (self.get(key) ?? 0) + delta);
  total += delta;
});
console.log(`| frame (self time) | ms | share |`);
console.log('|---|---:|---:|');
for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`| ${key} | ${(us / 1000).toFixed(1)} | ${((100 * us) / total).toFixed(1)} % |`);
console.log(`\n${(total / 1000).toFixed(0)} ms sampled in the window.`);
