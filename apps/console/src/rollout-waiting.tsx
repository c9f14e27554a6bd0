import type { RolloutView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { useFormat } from './i18n/index.js';

/**
 * Who a window-respecting rollout keeps on the old ports (decision 0114): each waiting client with
 * the collection whose window opens first for it, and when, in UTC and in the window's zone.
 */
export function RolloutWaiting({ rollout }: { rollout: RolloutView }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (rollout.respectWindows !== true) return null;
  const waiting = rollout.waiting ?? [];
  const count = rollout.waitingCount ?? 0;
  return (
    <section aria-label={t('windows.waitingPanel')}>
      <p data-testid="rollout-waiting-count">{t('windows.waitingCount', { n: format.count(count) })}</p>
      {waiting.length > 0 && (
        <table className="grid" aria-label={t('windows.waitingTable')}>
          <thead>
            <tr>
              <th>{t('windows.client')}</th>
              <th>{t('windows.collection')}</th>
              <th>{t('windows.opensAt')}</th>
            </tr>
          </thead>
          <tbody>
            {waiting.map((w) => (
              <tr key={w.clientId}>
                <td>{w.hostname}</td>
                <td>{w.collection}</td>
                <td>
                  {w.opensAt === null
                    ? t('windows.noOpening')
                    : w.local === null
                      ? t('windows.opensUtc', { utc: w.opensAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') })
                      : t('windows.opensZone', {
                          utc: w.opensAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
                          local: w.local,
                          zone: w.timeZone ?? '',
                        })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {count > waiting.length && <p>{t('windows.more', { n: format.count(count - waiting.length) })}</p>}
    </section>
  );
}
