import { useEffect, useState } from 'react';
import type { RolloutView } from '@siteport/protocol';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useFormat, valueText } from './i18n/index.js';
import { ProgressChart, type ProgressSample } from './progress-chart.js';
import { ActionError, DetailPending, ProgressTable, useOperationAction } from './progress-table.js';
import { navigate } from './route.js';
import { RolloutWaiting } from './rollout-waiting.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import type { HierarchySite } from './sites-view.js';

const ports = (p: RolloutView['from'], t: TFunction): string =>
  t('rollouts.ports', {
    http: `${p.http.default}${p.http.alternate === null ? '' : `/${p.http.alternate}`}`,
    https: `${p.https.default}${p.https.alternate === null ? '' : `/${p.https.alternate}`}`,
    notification: p.notification,
  });

const OPEN_STATES = new Set(['scheduled', 'validated', 'preflight', 'overlapping', 'rolling-back']);

/** Monitoring → Port change rollouts: the list, and one rollout's progress with its actions. */
export function RolloutsView({ rolloutId }: { rolloutId: string | null }) {
  const { t } = useTranslation();
  const sites = useApi<{ sites: HierarchySite[] }>('/sites').data?.sites ?? [];
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">{t('rollouts.title')}</h1>
      {rolloutId !== null && <RolloutDetail key={rolloutId} id={rolloutId} />}
      {sites.map((s) => (
        <RolloutList key={s.siteCode} siteCode={s.siteCode} current={rolloutId} />
      ))}
    </section>
  );
}

function RolloutList({ siteCode, current }: { siteCode: string; current: string | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { data } = useApi<{ rollouts: RolloutView[] }>(`/sites/${siteCode}/rollouts`, 5000);
  return (
    <ProgressTable
      heading={t('rollouts.site', { site: siteCode })}
      none={t('rollouts.none')}
      label={t('rollouts.table', { site: siteCode })}
      rows={data?.rollouts ?? []}
      current={current}
      onOpen={(id) => navigate({ screen: 'rollouts', rolloutId: id })}
      columns={[
        { header: t('rollouts.started'), cell: (r) => format.dateTime(r.createdAt) },
        { header: t('rollouts.by'), cell: (r) => r.createdBy },
        { header: t('rollouts.from'), cell: (r) => ports(r.from, t) },
        { header: t('rollouts.to'), cell: (r) => ports(r.to, t) },
        { header: t('common.state'), cell: (r) => valueText(r.state) },
        {
          header: t('rollouts.counts'),
          cell: (r) => [r.progress.moved, r.progress.onOldPorts, r.progress.inactive].map(format.count).join(' / '),
        },
      ]}
    />
  );
}

function RolloutDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { canChange } = useSession();
  const { data: rollout, error: loadError, reload } = useApi<RolloutView>(`/rollouts/${encodeURIComponent(id)}`, 2000);
  const [samples, setSamples] = useState<ProgressSample[]>([]);
  const { error, busy, run } = useOperationAction(reload);

  useEffect(() => {
    if (rollout === undefined) return;
    setSamples((s) => [...s.slice(-300), { at: Date.now(), ...rollout.progress }]);
  }, [rollout]);

  if (rollout === undefined) return <DetailPending error={loadError} />;
  const act = (action: 'commit' | 'cancel' | 'rollback' | 'finalize', body?: unknown, question?: string): void =>
    run(`/rollouts/${encodeURIComponent(id)}/${action}`, body, question);
  const open = OPEN_STATES.has(rollout.state);
  const { progress } = rollout;

  return (
    <div className="panel" aria-label={t('rollouts.panel')}>
      <h2>
        {rollout.siteCode}: {ports(rollout.from, t)} → {ports(rollout.to, t)}
      </h2>
      <p>
        {t('rollouts.stateLabel')} <strong data-testid="rollout-state">{valueText(rollout.state)}</strong>
        {rollout.outcome !== null &&
          ` (${rollout.outcome.reason}${rollout.outcome.stranded.length > 0 ? `, ${t('rollouts.stranded', { n: format.count(rollout.outcome.stranded.length) })}` : ''})`}
        .{open && ` ${t('rollouts.closesAt', { deadline: format.dateTime(rollout.deadline) })}`}
      </p>
      {rollout.schedule !== null && <ScheduleLine schedule={rollout.schedule} />}
      <RolloutWaiting rollout={rollout} />
      <dl className="counts">
        <dt>{t('rollouts.moved')}</dt>
        <dd data-testid="moved">{format.count(progress.moved)}</dd>
        <dt>{t('rollouts.onOldPorts')}</dt>
        <dd data-testid="on-old-ports">{format.count(progress.onOldPorts)}</dd>
        <dt>{t('rollouts.inactive')}</dt>
        <dd data-testid="inactive">{format.count(progress.inactive)}</dd>
        <dt>{t('rollouts.clients')}</dt>
        <dd>{format.count(progress.total)}</dd>
      </dl>
      <ProgressChart samples={samples} total={progress.total} />
      <ActionError error={error} />
      {canChange && open && (
        <div className="buttons">
          {rollout.state === 'scheduled' && (
            <>
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => act('commit', undefined, t('rollouts.startNowQuestion'))}
              >
                {t('rollouts.startNow')}
              </button>
              <button type="button" disabled={busy} onClick={() => act('cancel')}>
                {t('rollouts.cancelSchedule')}
              </button>
            </>
          )}
          {(rollout.state === 'validated' || rollout.state === 'preflight') && (
            <>
              <button type="button" className="primary" disabled={busy} onClick={() => act('commit')}>
                {t('rollouts.commit')}
              </button>
              <button type="button" disabled={busy} onClick={() => act('cancel')}>
                {t('rollouts.cancel')}
              </button>
            </>
          )}
          {rollout.state === 'overlapping' && (
            <>
              <button type="button" disabled={busy} onClick={() => act('finalize', { force: false })}>
                {t('rollouts.finalize')}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  act(
                    'finalize',
                    { force: true },
                    t('rollouts.forceFinalizeQuestion', { n: format.count(progress.onOldPorts) }),
                  )
                }
              >
                {t('rollouts.forceFinalize')}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() => act('rollback', undefined, t('rollouts.rollBackQuestion'))}
              >
                {t('rollouts.rollBack')}
              </button>
            </>
          )}
          {rollout.state === 'rolling-back' && (
            <>
              <button type="button" disabled={busy} onClick={() => act('finalize', { force: false })}>
                {t('rollouts.finishRollback')}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  act(
                    'finalize',
                    { force: true },
                    t('rollouts.forceFinishQuestion', { n: format.count(progress.onOldPorts) }),
                  )
                }
              >
                {t('rollouts.forceFinishRollback')}
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** When a scheduled rollout starts: UTC, the wall time in the zone it was given in, and the seconds left. */
function ScheduleLine({ schedule }: { schedule: NonNullable<RolloutView['schedule']> }) {
  const { t } = useTranslation();
  const format = useFormat();
  const utc = schedule.startsAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  return (
    <p data-testid="rollout-schedule">
      {schedule.timeZone === null || schedule.local === null
        ? t('rollouts.startsAt', { utc })
        : t('rollouts.startsAtZone', { utc, local: schedule.local, zone: schedule.timeZone })}
      {schedule.secondsUntilStart !== null &&
        ` (${t('rollouts.startsIn', { n: format.count(schedule.secondsUntilStart) })})`}
    </p>
  );
}
