import { useEffect, useState } from 'react';
import type { RolloutView } from '@siteport/protocol';
import { api, describeError } from './api.js';
import { ProgressChart, type ProgressSample } from './progress-chart.js';
import { navigate } from './route.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import type { HierarchySite } from './sites-view.js';

const ports = (p: RolloutView['from']): string =>
  `HTTP ${p.http.default}${p.http.alternate === null ? '' : `/${p.http.alternate}`}, HTTPS ${p.https.default}${p.https.alternate === null ? '' : `/${p.https.alternate}`}, notification ${p.notification}`;

const OPEN_STATES = new Set(['validated', 'preflight', 'overlapping', 'rolling-back']);

/** Monitoring → Port change rollouts: the list, and one rollout's progress with its actions. */
export function RolloutsView({ rolloutId }: { rolloutId: string | null }) {
  const sites = useApi<{ sites: HierarchySite[] }>('/sites').data?.sites ?? [];
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Port change rollouts</h1>
      {rolloutId !== null && <RolloutDetail key={rolloutId} id={rolloutId} />}
      {sites.map((s) => (
        <RolloutList key={s.siteCode} siteCode={s.siteCode} current={rolloutId} />
      ))}
    </section>
  );
}

function RolloutList({ siteCode, current }: { siteCode: string; current: string | null }) {
  const { data } = useApi<{ rollouts: RolloutView[] }>(`/sites/${siteCode}/rollouts`, 5000);
  const list = data?.rollouts ?? [];
  return (
    <>
      <h2>Site {siteCode}</h2>
      {list.length === 0 ? (
        <p className="muted">No port changes yet.</p>
      ) : (
        <table className="grid" aria-label={`Rollouts of ${siteCode}`}>
          <thead>
            <tr>
              <th>Started</th>
              <th>By</th>
              <th>From</th>
              <th>To</th>
              <th>State</th>
              <th>Moved / old / inactive</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} className={r.id === current ? 'selected' : undefined} onClick={() => navigate({ screen: 'rollouts', rolloutId: r.id })}>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.createdBy}</td>
                <td>{ports(r.from)}</td>
                <td>{ports(r.to)}</td>
                <td>{r.state}</td>
                <td>
                  {r.progress.moved} / {r.progress.onOldPorts} / {r.progress.inactive}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function RolloutDetail({ id }: { id: string }) {
  const { canChange } = useSession();
  const { data: rollout, error: loadError, reload } = useApi<RolloutView>(`/rollouts/${encodeURIComponent(id)}`, 2000);
  const [samples, setSamples] = useState<ProgressSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (rollout === undefined) return;
    setSamples((s) => [...s.slice(-300), { at: Date.now(), ...rollout.progress }]);
  }, [rollout]);

  if (rollout === undefined) return loadError === null ? <p className="loading">Loading…</p> : <p className="error" role="alert">{loadError}</p>;
  const act = (action: 'commit' | 'cancel' | 'rollback' | 'finalize', body?: unknown, question?: string): void => {
    if (question !== undefined && !window.confirm(question)) return;
    setBusy(true);
    setError(null);
    api<RolloutView>('POST', `/rollouts/${encodeURIComponent(id)}/${action}`, body).then(
      () => {
        setBusy(false);
        reload();
      },
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };
  const open = OPEN_STATES.has(rollout.state);
  const { progress } = rollout;

  return (
    <div className="panel" aria-label="Rollout">
      <h2>
        {rollout.siteCode}: {ports(rollout.from)} → {ports(rollout.to)}
      </h2>
      <p>
        State: <strong data-testid="rollout-state">{rollout.state}</strong>
        {rollout.outcome !== null && ` (${rollout.outcome.reason}${rollout.outcome.stranded.length > 0 ? `, ${rollout.outcome.stranded.length} stranded` : ''})`}.
        {open && ` Old ports close at the latest ${new Date(rollout.deadline).toLocaleString()}.`}
      </p>
      <dl className="counts">
        <dt>Moved</dt>
        <dd data-testid="moved">{progress.moved}</dd>
        <dt>Still on old ports</dt>
        <dd data-testid="on-old-ports">{progress.onOldPorts}</dd>
        <dt>Unreachable (inactive)</dt>
        <dd data-testid="inactive">{progress.inactive}</dd>
        <dt>Clients</dt>
        <dd>{progress.total}</dd>
      </dl>
      <ProgressChart samples={samples} total={progress.total} />
      {error !== null && <p className="error" role="alert">{error}</p>}
      {canChange && open && (
        <div className="buttons">
          {(rollout.state === 'validated' || rollout.state === 'preflight') && (
            <>
              <button type="button" className="primary" disabled={busy} onClick={() => act('commit')}>Commit</button>
              <button type="button" disabled={busy} onClick={() => act('cancel')}>Cancel rollout</button>
            </>
          )}
          {rollout.state === 'overlapping' && (
            <>
              <button type="button" disabled={busy} onClick={() => act('finalize', { force: false })}>Finalize</button>
              <button
                type="button"
                disabled={busy}
                onClick={() => act('finalize', { force: true }, `Close the old ports now? ${progress.onOldPorts} active client(s) still on them will become unmanaged.`)}
              >
                Force finalize
              </button>
              <button type="button" disabled={busy} onClick={() => act('rollback', undefined, 'Roll back to the old ports?')}>Roll back</button>
            </>
          )}
          {rollout.state === 'rolling-back' && (
            <>
              <button type="button" disabled={busy} onClick={() => act('finalize', { force: false })}>Finish rollback</button>
              <button
                type="button"
                disabled={busy}
                onClick={() => act('finalize', { force: true }, `Close the new ports now? ${progress.onOldPorts} active client(s) still on them will become unmanaged.`)}
              >
                Force finish rollback
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}
