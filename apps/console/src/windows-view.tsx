import type { CollectionView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { useFormat } from './i18n/index.js';
import { useApi } from './use-api.js';

const utc = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');

/**
 * Administration → Maintenance windows: the site's client collections, who they match and their
 * weekly windows with the next opening (decision 0114). They are changed with `siteport collection`
 * and `siteport window` (or the admin API); a rollout proposed with respectWindows follows them.
 */
export function WindowsView() {
  const { t } = useTranslation();
  const format = useFormat();
  const health = useApi<{ siteCode: string }>('/health');
  const siteCode = health.data?.siteCode;
  const { data, error } = useApi<{ collections: CollectionView[] }>(
    siteCode === undefined ? null : `/sites/${siteCode}/collections`,
    5000,
  );
  const collections = data?.collections ?? [];
  return (
    <section aria-labelledby="windows-title">
      <h1 id="windows-title">{t('windows.title')}</h1>
      <p className="muted">{t('windows.hint')}</p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data !== undefined && collections.length === 0 && <p>{t('windows.none')}</p>}
      {collections.length > 0 && (
        <table className="grid" aria-label={t('windows.table', { site: siteCode ?? '' })}>
          <thead>
            <tr>
              <th>{t('windows.collection')}</th>
              <th>{t('windows.rule')}</th>
              <th>{t('windows.members')}</th>
              <th>{t('windows.windows')}</th>
            </tr>
          </thead>
          <tbody>
            {collections.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>
                  {[
                    ...(c.hostGlob === null ? [] : [t('windows.ruleHost', { glob: c.hostGlob })]),
                    ...c.subnets.map((s) => t('windows.ruleSubnet', { subnet: s })),
                    ...(c.clientIds.length === 0
                      ? []
                      : [t('windows.ruleIds', { n: format.count(c.clientIds.length) })]),
                  ].join('; ')}
                </td>
                <td>{format.count(c.members)}</td>
                <td>
                  {c.windows.length === 0 && t('windows.noWindow')}
                  {c.windows.map((w) => (
                    <div key={w.id} data-testid="window-line">
                      {t('windows.window', {
                        days: w.days.join(', '),
                        start: w.start,
                        minutes: format.count(w.durationMinutes),
                        zone: w.timeZone,
                      })}
                      {' — '}
                      {w.next === null
                        ? t('windows.noOpening')
                        : w.next.open
                          ? t('windows.openNow', { until: utc(w.next.closesAt) })
                          : t('windows.nextOpens', { utc: utc(w.next.opensAt), local: w.next.local })}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
