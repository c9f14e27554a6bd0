import { useState } from 'react';
import type { ImpactReport, PortChange, PortChangeResult, PortItem, PortsView, RolloutView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';
import { RichText } from './i18n/index.js';
import { ImpactPreview } from './impact-preview.js';
import { PortDetails } from './port-details.js';
import { movesRequestPorts, settingsOf, withItem } from './port-items.js';
import { PortsTab } from './ports-tab.js';
import { navigate } from './route.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import { applyPortChange } from '@siteport/protocol';

/** What `GET /sites/{code}/ports` returns for a secondary site once the hierarchy issue lands. */
type PortsWithInheritance = PortsView & { inheritedFrom?: string | null };

type Step =
  | { kind: 'edit' }
  | { kind: 'details'; item: PortItem }
  | { kind: 'impact'; report: ImpactReport; close: boolean }
  | { kind: 'done'; result: PortChangeResult; close: boolean };

const isEmpty = (change: PortChange): boolean => Object.keys(change).length === 0;

/** Site Properties (Ports tab) with OK/Apply/Cancel; every change goes through the impact preview. */
export function SitePropertiesView({ siteCode }: { siteCode: string }) {
  const { t } = useTranslation();
  const { canChange } = useSession();
  const {
    data: view,
    error: loadError,
    reload,
  } = useApi<PortsWithInheritance>(`/sites/${encodeURIComponent(siteCode)}/ports`);
  const [pending, setPending] = useState<PortChange>({});
  const [selected, setSelected] = useState<PortItem | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'edit' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (view === undefined)
    return loadError === null ? (
      <p className="loading">{t('common.loading')}</p>
    ) : (
      <p className="error" role="alert">
        {loadError}
      </p>
    );
  const inheritedFrom = view.inheritedFrom ?? null;
  const editable = canChange && inheritedFrom === null;
  const saved = settingsOf(view);
  const shown = isEmpty(pending) ? saved : applyPortChange(saved, pending);

  const close = (): void => navigate({ screen: 'sites' });
  const preview = (closeAfter: boolean): void => {
    if (isEmpty(pending)) {
      if (closeAfter) close();
      return;
    }
    setBusy(true);
    setError(null);
    api<ImpactReport>('POST', `/sites/${encodeURIComponent(siteCode)}/impact`, pending).then(
      (report) => {
        setBusy(false);
        setStep({ kind: 'impact', report, close: closeAfter });
      },
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };
  const confirm = (preflight: boolean, closeAfter: boolean): void => {
    setBusy(true);
    setError(null);
    const change: PortChange = { ...pending, expectedVersion: view.version };
    const done = preflight
      ? api<RolloutView>('POST', `/sites/${encodeURIComponent(siteCode)}/rollouts`, { change, preflight: true }).then(
          (r) => navigate({ screen: 'rollouts', rolloutId: r.id }),
        )
      : api<PortChangeResult>('PATCH', `/sites/${encodeURIComponent(siteCode)}/ports`, change).then((result) => {
          setPending({});
          setStep({ kind: 'done', result, close: closeAfter });
          reload();
        });
    done.then(
      () => setBusy(false),
      (e: unknown) => {
        setBusy(false);
        setError(describeError(e));
      },
    );
  };

  return (
    <section className="dialog page" role="dialog" aria-labelledby="site-properties-title">
      <h1 id="site-properties-title">{t('siteProperties.title', { site: siteCode })}</h1>
      <div role="tablist" className="tabs">
        <button type="button" role="tab" aria-selected="true">
          {t('ports.tab')}
        </button>
      </div>
      {inheritedFrom !== null && (
        <p className="notice" data-testid="inherited">
          {t('siteProperties.inherited', { primary: inheritedFrom })}
        </p>
      )}
      {!canChange && <p className="notice">{t('siteProperties.readOnly')}</p>}
      <PortsTab
        shown={shown}
        saved={saved}
        selected={selected}
        editable={editable}
        onSelect={setSelected}
        onProperties={() => selected !== null && setStep({ kind: 'details', item: selected })}
        onCustomWebSite={(value) => setPending((p) => ({ ...p, customWebSite: value }))}
      />
      {step.kind === 'edit' && error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        {editable ? (
          <>
            <button type="button" className="primary" disabled={busy} onClick={() => preview(true)}>
              {t('common.ok')}
            </button>
            <button type="button" disabled={busy || isEmpty(pending)} onClick={() => preview(false)}>
              {t('common.apply')}
            </button>
            <button type="button" onClick={close}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          <button type="button" onClick={close}>
            {t('common.close')}
          </button>
        )}
      </div>
      {step.kind === 'details' && (
        <PortDetails
          item={step.item}
          saved={saved}
          pending={pending}
          shown={shown}
          onOk={(port, description) => {
            setPending((p) => withItem(p, step.item, port, description));
            setStep({ kind: 'edit' });
          }}
          onCancel={() => setStep({ kind: 'edit' })}
        />
      )}
      {step.kind === 'impact' && (
        <ImpactPreview
          report={step.report}
          movesPorts={movesRequestPorts(saved, shown)}
          busy={busy}
          error={error}
          onConfirm={(preflight) => confirm(preflight, step.close)}
          onBack={() => {
            setError(null);
            setStep({ kind: 'edit' });
          }}
        />
      )}
      {step.kind === 'done' && (
        <div className="backdrop">
          <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="done-title">
            <h2 id="done-title">{t('siteProperties.doneTitle')}</h2>
            <p>{t('siteProperties.doneVersion', { site: siteCode, version: step.result.ports.version })}</p>
            {step.result.rolloutId !== null && (
              <p>
                <RichText
                  text={t('siteProperties.doneRollout')}
                  parts={{ link: (inner) => <a href={`#/rollouts/${step.result.rolloutId}`}>{inner}</a> }}
                />
              </p>
            )}
            <ul className="warnings">
              {step.result.warnings.map((w) => (
                <li key={w.code + w.message}>
                  <strong>{w.code}</strong> {w.message}
                </li>
              ))}
            </ul>
            <div className="buttons">
              <button
                type="button"
                className="primary"
                onClick={() => (step.close ? close() : setStep({ kind: 'edit' }))}
              >
                {t('common.ok')}
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
