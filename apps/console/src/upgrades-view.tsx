import type { UpgradeView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { useFormat, valueText } from './i18n/index.js';
import { ActionError, DetailPending, ProgressTable, useOperationAction } from './progress-table.js';
import { navigate } from './route.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import type { HierarchySite } from './sites-view.js';

type Wave = UpgradeView['waves']['canary'];

/** Monitoring → Agent upgrades: each site's upgrades, and one upgrade's waves with its actions. */
export function UpgradesView({ upgradeId }: { upgradeId: string | null }) {
  const { t } = useTranslation();
  const sites = useApi<{ sites: HierarchySite[] }>('/sites').data?.sites ?? [];
  return (
    <section aria-labelledby="upgrades-title">
      <h1 id="upgrades-title">{t('upgrades.title')}</h1>
      {upgradeId !== null && <UpgradeDetail key={upgradeId} id={upgradeId} />}
      {sites.map((s) => (
        <UpgradeList key={s.siteCode} siteCode={s.siteCode} current={upgradeId} />
      ))}
    </section>
  );
}

function UpgradeList({ siteCode, current }: { siteCode: string; current: string | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const list = useApi<{ upgrades: UpgradeView[] }>(`/sites/${siteCode}/upgrades`, 5000).data?.upgrades ?? [];
  return (
    <ProgressTable
      heading={t('upgrades.site', { site: siteCode })}
      none={t('upgrades.none')}
      label={t('upgrades.table', { site: siteCode })}
      rows={list}
      current={current}
      onOpen={(id) => navigate({ screen: 'upgrades', upgradeId: id })}
      columns={[
        { header: t('upgrades.started'), cell: (u) => format.dateTime(u.createdAt) },
        { header: t('upgrades.by'), cell: (u) => u.createdBy },
        { header: t('upgrades.version'), cell: (u) => u.version },
        { header: t('common.state'), cell: (u) => valueText(u.state) },
        {
          header: t('upgrades.upgraded'),
          cell: (u) =>
            `${format.count(u.waves.canary.upgraded + u.waves.rest.upgraded)} / ${format.count(u.waves.canary.selected + u.waves.rest.selected)}`,
        },
      ]}
    />
  );
}

/** One wave as a stacked bar: upgraded, failed or rolled back, offered and waiting, not offered yet. */
function WaveBar({ name, wave }: { name: 'canary' | 'rest'; wave: Wave }) {
  const { t } = useTranslation();
  const format = useFormat();
  const total = Math.max(1, wave.selected);
  const failed = wave.failed + wave.rolledBack;
  const parts = [
    { key: 'upgraded', n: wave.upgraded, className: 'bar-upgraded' },
    { key: 'failed', n: failed, className: 'bar-failed' },
    { key: 'offered', n: wave.offered - wave.upgraded - failed, className: 'bar-offered' },
    { key: 'notOffered', n: wave.selected - wave.offered, className: 'bar-waiting' },
  ] as const;
  return (
    <div className="wave" data-testid={`wave-${name}`}>
      <div className="wave-label">
        {t(`upgrades.wave.${name}`)}: {format.count(wave.selected)}
      </div>
      <svg
        viewBox="0 0 400 18"
        preserveAspectRatio="none"
        role="img"
        aria-label={t(`upgrades.wave.${name}`)}
        className="wave-bar"
      >
        {
          parts.reduce<{ x: number; rects: JSX.Element[] }>(
            (acc, p) => {
              const w = (Math.max(0, p.n) / total) * 400;
              acc.rects.push(<rect key={p.key} x={acc.x} y={0} width={w} height={18} className={p.className} />);
              return { x: acc.x + w, rects: acc.rects };
            },
            { x: 0, rects: [] },
          ).rects
        }
      </svg>
      <div className="wave-legend">
        {parts.map((p) => (
          <span key={p.key} className={`legend ${p.className}`}>
            {t(`upgrades.part.${p.key}`)} {format.count(Math.max(0, p.n))}
          </span>
        ))}
      </div>
    </div>
  );
}

function UpgradeDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { canChange } = useSession();
  const { data: upgrade, error: loadError, reload } = useApi<UpgradeView>(`/upgrades/${encodeURIComponent(id)}`, 2000);
  const { error, busy, run } = useOperationAction(reload);
  if (upgrade === undefined) return <DetailPending error={loadError} />;
  const act = (action: 'advance' | 'halt' | 'resume' | 'rollback', question?: string): void =>
    run(`/upgrades/${encodeURIComponent(id)}/${action}`, undefined, question);
  const s = upgrade.state;
  return (
    <div className="panel" aria-label={t('upgrades.panel')}>
      <h2>{t('upgrades.heading', { site: upgrade.siteCode, version: upgrade.version })}</h2>
      <p>
        {t('upgrades.stateLabel')} <strong data-testid="upgrade-state">{valueText(s)}</strong>
        {upgrade.reason !== null && ` (${upgrade.reason})`}
      </p>
      <p data-testid="failure-rate">
        {t('upgrades.failureRate', {
          rate: format.count(Math.round(upgrade.failureRate * 100)),
          threshold: format.count(upgrade.failureThresholdPercent),
        })}
      </p>
      <WaveBar name="canary" wave={upgrade.waves.canary} />
      <WaveBar name="rest" wave={upgrade.waves.rest} />
      <ActionError error={error} />
      {canChange && (
        <div className="buttons">
          {s === 'waiting' && (
            <button type="button" className="primary" disabled={busy} onClick={() => act('advance')}>
              {t('upgrades.advance')}
            </button>
          )}
          {(s === 'canary' || s === 'waiting' || s === 'rest') && (
            <button type="button" disabled={busy} onClick={() => act('halt')}>
              {t('upgrades.halt')}
            </button>
          )}
          {s === 'halted' && (
            <button type="button" className="primary" disabled={busy} onClick={() => act('resume')}>
              {t('upgrades.resume')}
            </button>
          )}
          {s !== 'rolled-back' && (
            <button type="button" disabled={busy} onClick={() => act('rollback', t('upgrades.rollBackQuestion'))}>
              {t('upgrades.rollBack')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
