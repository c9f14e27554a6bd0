import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReachabilityCell, ReachabilityMatrix, SiteView } from '@siteport/protocol';
import { useFormat } from './i18n/index.js';
import { useApi } from './use-api.js';

/** One cell of the matrix: the state, the counts and when a client last tested the port. */
function Cell({ cell }: { cell: ReachabilityCell }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <td className={`reach reach-${cell.state}`} data-testid={`cell-${cell.port}`}>
      <strong>{t(`reachability.state.${cell.state}`)}</strong>
      {(cell.reachable > 0 || cell.blocked > 0) && (
        <div>{t('reachability.counts', { reachable: cell.reachable, blocked: cell.blocked })}</div>
      )}
      {cell.stale > 0 && <div>{t('reachability.stale', { count: cell.stale })}</div>}
      {cell.lastSeen !== null && <div className="muted">{format.dateTime(cell.lastSeen)}</div>}
    </td>
  );
}

/** Monitoring → Reachability: which MP ports the clients of each subnet reach (decision 0109). */
export function ReachabilityView() {
  const { t } = useTranslation();
  const sites = useApi<{ sites: SiteView[] }>('/sites');
  const [chosen, setChosen] = useState<string | null>(null);
  const site = chosen ?? sites.data?.sites[0]?.siteCode ?? null;
  const { data, error } = useApi<ReachabilityMatrix>(
    site === null ? null : `/sites/${encodeURIComponent(site)}/reachability?limit=500`,
    10_000,
  );
  const failure = error ?? sites.error;
  return (
    <section aria-labelledby="reachability-title">
      <h1 id="reachability-title">{t('reachability.title')}</h1>
      <p className="breadcrumb">{t('reachability.breadcrumb')}</p>
      {(sites.data?.sites.length ?? 0) > 1 && (
        <label className="filter">
          {t('common.site')}
          <select value={site ?? ''} onChange={(e) => setChosen(e.target.value)}>
            {sites.data?.sites.map((s) => (
              <option key={s.siteCode} value={s.siteCode}>
                {s.siteCode}
              </option>
            ))}
          </select>
        </label>
      )}
      {failure !== null && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      {data !== undefined && (
        <>
          <p>{t('reachability.staleNote', { hours: data.staleHours })}</p>
          {data.subnets.length === 0 ? (
            <p>{t('reachability.empty')}</p>
          ) : (
            <table className="grid" aria-label={t('reachability.table', { site: data.siteCode })}>
              <thead>
                <tr>
                  <th>{t('reachability.subnet')}</th>
                  {data.ports.map((p) => (
                    <th key={p.port}>
                      {p.port}
                      <div className="muted">
                        {p.roles.map((r) => t(`reachability.role.${r}`, { defaultValue: r })).join(', ')}
                      </div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.subnets.map((row) => (
                  <tr key={row.subnet} data-testid={`subnet-${row.subnet}`}>
                    <th scope="row">{row.subnet}</th>
                    {row.cells.map((cell) => (
                      <Cell key={cell.port} cell={cell} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.nextCursor !== null && <p>{t('reachability.more')}</p>}
        </>
      )}
    </section>
  );
}
