import { type ApplyAllResult, type PortChange, SiteportError, isErrorCode } from '@siteport/protocol';
import type { AdminClient } from '../admin-client.js';
import { printJson, printLines, table } from '../format.js';

/**
 * `siteport ports set --all-primaries …`: one change for every primary site of the hierarchy.
 * Prints one line per site; fails (exit 1) when any site failed, after showing every outcome.
 */
export async function setAllPrimaries(client: AdminClient, change: PortChange, json: boolean): Promise<void> {
  const result = await client.request<ApplyAllResult>('PATCH', '/hierarchy/ports', change);
  if (json) printJson(result);
  else {
    const rows = [['SITE', 'RESULT', 'VERSION', 'DETAIL']];
    for (const r of result.results) {
      rows.push([
        r.siteCode,
        r.ok ? 'applied' : 'failed',
        r.ports === undefined ? '-' : String(r.ports.version),
        r.ok ? r.url : `${r.error?.code ?? ''}: ${r.error?.message ?? ''}`,
      ]);
    }
    printLines(table(rows), `${result.succeeded} of ${result.results.length} primary site(s) changed`);
  }
  if (result.failed > 0) {
    const failures = result.results.filter((r) => !r.ok);
    const names = failures.map((r) => r.siteCode);
    const first = failures[0]?.error?.code;
    throw new SiteportError(
      isErrorCode(first) ? first : 'E_INTERNAL',
      `the change failed at ${names.join(', ')} (${result.succeeded} of ${result.results.length} sites changed); see the table above`,
    );
  }
}
