// Kernel network counters a bench reads before and after a phase: packets the per-CPU input
// backlog dropped (loopback traffic passes through it too), and the TCP connections the kernel
// itself gave up on. A loopback fleet sees here what no process logs.
import { readFileSync, writeFileSync } from 'node:fs';

export interface NetCounters {
  /** Packets dropped because a CPU's input backlog (`net.core.netdev_max_backlog`) was full. */
  backlogDrops: number;
  /** Times the receive softirq ran out of budget with packets left (`time_squeeze`). */
  timeSqueezes: number;
  /** Keep-alive probes sent (TcpExt TCPKeepAlive). */
  keepAliveProbes: number;
  /** Connections the kernel aborted after its retransmissions or keep-alive probes went unanswered (TcpExt TCPAbortOnTimeout). */
  abortsOnTimeout: number;
  /** Connection attempts dropped because a listen queue was full (TcpExt ListenDrops). */
  listenDrops: number;
}

/** Sums the `dropped` and `time_squeeze` columns (2nd and 3rd, hexadecimal) over every CPU's line of /proc/net/softnet_stat. */
export function parseSoftnetStat(text: string): Pick<NetCounters, 'backlogDrops' | 'timeSqueezes'> {
  let backlogDrops = 0;
  let timeSqueezes = 0;
  for (const line of text.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 3) continue;
    backlogDrops += Number.parseInt(columns[1]!, 16);
    timeSqueezes += Number.parseInt(columns[2]!, 16);
  }
  return { backlogDrops, timeSqueezes };
}

/** Reads one `TcpExt:` field of /proc/net/netstat (a header line of names, then a line of values). */
export function tcpExtField(netstat: string, field: string): number {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const at = names.indexOf(field);
  if (at < 1 || values[at] === undefined) throw new Error(`TcpExt ${field} not in /proc/net/netstat`);
  return Number(values[at]);
}

export function readNetCounters(): NetCounters {
  const netstat = readFileSync('/proc/net/netstat', 'utf8');
  return {
    ...parseSoftnetStat(readFileSync('/proc/net/softnet_stat', 'utf8')),
    keepAliveProbes: tcpExtField(netstat, 'TCPKeepAlive'),
    abortsOnTimeout: tcpExtField(netstat, 'TCPAbortOnTimeout'),
    listenDrops: tcpExtField(netstat, 'ListenDrops'),
  };
}

/** What changed between two readings. */
export function netCountersSince(before: NetCounters, after: NetCounters = readNetCounters()): NetCounters {
  return {
    backlogDrops: after.backlogDrops - before.backlogDrops,
    timeSqueezes: after.timeSqueezes - before.timeSqueezes,
    keepAliveProbes: after.keepAliveProbes - before.keepAliveProbes,
    abortsOnTimeout: after.abortsOnTimeout - before.abortsOnTimeout,
    listenDrops: after.listenDrops - before.listenDrops,
  };
}

const BACKLOG_SYSCTL = '/proc/sys/net/core/netdev_max_backlog';

/**
 * Raises `net.core.netdev_max_backlog` (packets queued per CPU for input; loopback and veth
 * traffic pass through it) for the length of a run, and returns what puts it back. Nothing
 * changes for a size at or below the current one. Needs root.
 */
export function raiseInputBacklog(packets: number): { before: number; now: number; restore: () => void } {
  if (!Number.isInteger(packets) || packets < 0 || packets > 10_000_000)
    throw new Error(`the input backlog must be 0–10,000,000 packets, not ${packets}`);
  const before = Number(readFileSync(BACKLOG_SYSCTL, 'utf8').trim());
  if (packets <= before) return { before, now: before, restore: () => {} };
  writeFileSync(BACKLOG_SYSCTL, `${packets}\n`);
  return { before, now: packets, restore: () => writeFileSync(BACKLOG_SYSCTL, `${before}\n`) };
}
