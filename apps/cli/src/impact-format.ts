import type { ImpactReport, RolloutView } from '@siteport/protocol';
import { table } from './format.js';

/** An impact report as text: counts per category, clients at risk with their remediation, warnings. */
export function formatImpact(report: ImpactReport): string[] {
  const lines: string[] = [];
  const ep = (list: ImpactReport['added']): string =>
    list.map((e) => `${e.protocol.toUpperCase()} ${e.port}`).join(', ') || 'none';
  lines.push(`Impact on site ${report.siteCode}: ports going away: ${ep(report.removed)}; new: ${ep(report.added)}`);
  const rows = [['CATEGORY', 'CLIENTS', 'ACTIVE', 'VIA DIRECTORY', 'VIA POLICY', 'NOTHING']];
  for (const [category, c] of Object.entries(report.counts)) {
    rows.push([category, String(c.total), String(c.active), String(c.directory), String(c.policy), String(c.nothing)]);
  }
  lines.push(...table(rows));
  if (report.preflight !== null) {
    lines.push(`pre-flight: ${report.preflight.reported} client(s) reported`);
    for (const u of report.preflight.unreachable) lines.push(`  ${u.message}`);
  }
  lines.push(report.atRisk.length === 0 ? 'no client at risk' : `${report.atRisk.length} client(s) at risk:`);
  for (const c of report.atRisk) {
    lines.push(`  ${c.hostname} (${c.clientId}, ${c.category}, ${c.activity}): ${c.reason ?? ''}`);
    for (const command of c.remediation) lines.push(`      ${command}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w.message}`);
  return lines;
}

/** A rollout as text, with its progress. */
export function formatRollout(r: RolloutView): string[] {
  const ports = (p: RolloutView['from']): string =>
    `HTTP ${p.http.default}${p.http.alternate === null ? '' : `/${p.http.alternate}`}, HTTPS ${p.https.default}${p.https.alternate === null ? '' : `/${p.https.alternate}`}, notification ${p.notification}`;
  const lines = [
    `rollout ${r.id} (site ${r.siteCode}): ${r.state}`,
    `  from ${ports(r.from)}`,
    `  to   ${ports(r.to)}`,
    `  clients: ${r.progress.moved} moved, ${r.progress.onOldPorts} still on old ports, ${r.progress.inactive} inactive (of ${r.progress.total})`,
    `  deadline ${r.deadline}; created ${r.createdAt} by ${r.createdBy}${r.committedAt === null ? '' : `; committed ${r.committedAt}`}`,
  ];
  if (r.schedule !== null) {
    const zone = r.schedule.timeZone === null ? '' : ` = ${r.schedule.local ?? ''} ${r.schedule.timeZone}`;
    const left = r.schedule.secondsUntilStart === null ? '' : ` (in ${r.schedule.secondsUntilStart} s)`;
    lines.push(`  ${r.state === 'scheduled' ? 'starts' : 'scheduled for'} ${r.schedule.startsAt} UTC${zone}${left}`);
  }
  if (r.respectWindows === true) {
    lines.push(`  respects maintenance windows: ${r.waitingCount ?? 0} client(s) wait for their window`);
    for (const w of r.waiting ?? []) {
      const zone = w.local === null ? '' : ` = ${w.local} ${w.timeZone ?? ''}`;
      lines.push(
        `    ${w.hostname} (${w.clientId}) waits for ${w.collection}: opens ${w.opensAt ?? 'not within 8 days'} UTC${zone}`,
      );
    }
  }
  if (r.outcome !== null)
    lines.push(`  ended ${r.endedAt ?? ''}: ${r.outcome.reason}, ${r.outcome.stranded.length} stranded`);
  return lines;
}
