// What a process keeps per connected client, from two V8 heap snapshots of it (taken after full
// collections by bench/gc-hook.mjs): the objects of the second snapshot whose ids the first did not
// have, grouped by constructor (or node type), with what holds them (the retaining object and edge).
// `node --max-old-space-size=8000 --import tsx bench/heap-top.ts BEFORE AFTER CLIENTS [TOP]`;
// bench/heap-probe.ts runs it for a siteport MP and a bare TLS server holding the same fleet.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGroup {
  group: string;
  count: number;
  bytes: number;
  /** The commonest holder of the group's new objects: `Constructor.edge`. */
  heldBy: string;
}

export interface HeapDiff {
  /** Bytes of all objects new in the second snapshot. */
  newBytes: number;
  groups: HeapGroup[];
}

/** Node ids of a snapshot (persistent between snapshots of one process). */
function ids(s: Snapshot): Set<number> {
  const fields = s.snapshot.meta.node_fields.length;
  const idAt = s.snapshot.meta.node_fields.indexOf('id');
  const out = new Set<number>();
  for (let i = 0; i < s.nodes.length; i += fields) out.add(s.nodes[i + idAt]!);
  return out;
}

function groupOf(s: Snapshot, at: number): string {
  const meta = s.snapshot.meta;
  const type = meta.node_types[0][s.nodes[at + meta.node_fields.indexOf('type')]!]!;
  const name = s.strings[s.nodes[at + meta.node_fields.indexOf('name')]!] ?? '';
  if (type === 'object') return name;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number')
    return `(${type})`;
  if (type === 'code' || type === 'object shape') return `(${type})`;
  return `(${type}) ${name.length > 48 ? `${name.slice(0, 45)}…` : name}`;
}

/** The objects of `after` not in `before`, grouped, biggest first. */
export function heapDiff(beforeFile: string, afterFile: string): HeapDiff {
  const seen = ids(JSON.parse(readFileSync(beforeFile, 'utf8')) as Snapshot);
  const s = JSON.parse(readFileSync(afterFile, 'utf8')) as Snapshot;
  const meta = s.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [idAt, sizeAt, edgeCountAt] = ['id', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const groups = new Map<string, { count: number; bytes: number; holders: Map<string, number> }>();
  let newBytes = 0;
  for (let at = 0; at < s.nodes.length; at += nf) {
    if (seen.has(s.nodes[at + idAt!]!)) continue;
    const group = groupOf(s, at);
    const g = groups.get(group) ?? { count: 0, bytes: 0, holders: new Map() };
    g.count += 1;
    g.bytes += s.nodes[at + sizeAt!]!;
    newBytes += s.nodes[at + sizeAt!]!;
    groups.set(group, g);
  }
  // Holders: for every edge to a new object (weak edges left out), the holder's group and the edge name.
  let edge = 0;
  for (let at = 0; at < s.nodes.length; at += nf) {
    const holder = groupOf(s, at);
    const count = s.nodes[at + edgeCountAt!]!;
    for (let e = 0; e < count; e += 1, edge += ef) {
      const to = s.edges[edge + toAt!]!;
      if (seen.has(s.nodes[to + idAt!]!)) continue;
      const edgeType = meta.edge_types[0][s.edges[edge + edgeTypeAt!]!]!;
      if (edgeType === 'weak') continue;
      const raw = s.edges[edge + edgeNameAt!]!;
      const name = edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : (s.strings[raw] ?? '');
      const g = groups.get(groupOf(s, to))!;
      const key = `${holder}.${name}`;
      g.holders.set(key, (g.holders.get(key) ?? 0) + 1);
    }
  }
  return {
    newBytes,
    groups: [...groups.entries()]
      .map(([group, g]) => ({
        group,
        count: g.count,
        bytes: g.bytes,
        heldBy: [...g.holders.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/** A markdown table of the top groups, per client. */
export function heapTable(diff: HeapDiff, clients: number, top: number): string {
  const rows = diff.groups
    .slice(0, top)
    .map(
      (g) =>
        `| \`${g.group}\` | ${(g.count / clients).toFixed(2)} | ${(g.bytes / clients).toFixed(0)} | \`${g.heldBy}\` |`,
    );
  return [
    '| new objects (constructor or type) | per client | bytes per client | commonest holder |',
    '| --- | ---: | ---: | --- |',
    ...rows,
    `| all new objects | | ${(diff.newBytes / clients).toFixed(0)} | |`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [before, after, clients, top = '10'] = process.argv.slice(2);
  if (before === undefined || after === undefined || !(Number(clients) > 0))
    throw new Error('usage: heap-top.ts BEFORE AFTER CLIENTS [TOP]');
  console.log(heapTable(heapDiff(before, after), Number(clients), Number(top)));
}
