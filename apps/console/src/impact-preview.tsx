import { useState } from 'react';
import type { ImpactReport } from '@siteport/protocol';
import i18next, { type TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { RichText, lookup, useFormat, valueText } from './i18n/index.js';

/** Warnings may name the default web site's applications that the change moves. */
type WarningWithApplications = ImpactReport['warnings'][number] & { applications?: string[] };

/** A client category's name (`impact.categories.<category>`); a category a newer server adds shows as it is. */
const categoryName = (category: string): string => {
  const key = `impact.categories.${category}`;
  return i18next.exists(key) ? lookup(key) : category;
};

const endpoints = (list: { protocol: string; port: number }[], t: TFunction): string =>
  list.length === 0 ? t('common.none') : list.map((e) => `${e.protocol.toUpperCase()} ${e.port}`).join(', ');

/**
 * The impact of a change before it is committed: counts per client category,
 * the clients at risk with remediation commands, the warnings with their numbers, the other
 * applications of the default web site, and an explicit confirmation.
 */
export function ImpactPreview(props: {
  report: ImpactReport;
  movesPorts: boolean;
  busy: boolean;
  error: string | null;
  onConfirm: (preflight: boolean) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const { report } = props;
  const [preflight, setPreflight] = useState(false);
  const categories = Object.entries(report.counts);
  const applications = [...new Set(report.warnings.flatMap((w: WarningWithApplications) => w.applications ?? []))];

  return (
    <div className="backdrop">
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="impact-title">
        <h2 id="impact-title">{t('impact.title')}</h2>
        <p>
          <RichText
            text={t('impact.ports')}
            parts={{
              removed: <strong data-testid="removed">{endpoints(report.removed, t)}</strong>,
              added: <strong data-testid="added">{endpoints(report.added, t)}</strong>,
            }}
          />
        </p>
        {report.warnings.length > 0 && (
          <ul className="warnings" aria-label={t('impact.warnings')}>
            {report.warnings.map((w) => (
              <li key={w.code + w.message}>
                <strong>{w.code}</strong> {w.message}
              </li>
            ))}
          </ul>
        )}
        <h3>{t('impact.perCategory')}</h3>
        <table className="grid" aria-label={t('impact.perCategory')}>
          <thead>
            <tr>
              <th>{t('common.category')}</th>
              <th>{t('impact.total')}</th>
              <th>{t('impact.active')}</th>
              <th>{t('impact.viaDirectory')}</th>
              <th>{t('impact.viaPolicy')}</th>
              <th>{t('impact.viaNothing')}</th>
            </tr>
          </thead>
          <tbody>
            {categories.map(([name, c]) => (
              <tr key={name}>
                <td>{categoryName(name)}</td>
                <td>{format.count(c.total)}</td>
                <td>{format.count(c.active)}</td>
                <td>{format.count(c.directory)}</td>
                <td>{format.count(c.policy)}</td>
                <td>{format.count(c.nothing)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>{t('impact.atRisk', { n: format.count(report.atRisk.length) })}</h3>
        {report.atRisk.length === 0 ? (
          <p className="ok-text">{t('impact.noneAtRisk')}</p>
        ) : (
          <table className="grid" aria-label={t('impact.atRisk', { n: format.count(report.atRisk.length) })}>
            <thead>
              <tr>
                <th>{t('impact.client')}</th>
                <th>{t('common.category')}</th>
                <th>{t('impact.why')}</th>
                <th>{t('impact.remediation')}</th>
              </tr>
            </thead>
            <tbody>
              {report.atRisk.map((c) => (
                <tr key={c.clientId}>
                  <td>{c.hostname}</td>
                  <td>{categoryName(c.category)}</td>
                  <td>{c.reason ?? valueText(c.learnsVia)}</td>
                  <td>
                    {c.remediation.map((cmd) => (
                      <code key={cmd} className="command">
                        {cmd}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {applications.length > 0 && (
          <>
            <h3>{t('impact.applications')}</h3>
            <ul aria-label={t('impact.applicationsList')}>
              {applications.map((name) => (
                <li key={name}>{name}</li>
              ))}
            </ul>
          </>
        )}
        {report.preflight !== null && (
          <>
            <h3>{t('impact.preflight')}</h3>
            <p>{t('impact.preflightReported', { n: format.count(report.preflight.reported) })}</p>
            <ul>
              {report.preflight.unreachable.map((u) => (
                <li key={`${u.protocol}${u.port}`}>{u.message}</li>
              ))}
            </ul>
          </>
        )}
        {props.movesPorts && (
          <label className="check">
            <input type="checkbox" checked={preflight} onChange={(e) => setPreflight(e.target.checked)} />
            {t('impact.runPreflight')}
          </label>
        )}
        {props.error !== null && (
          <p className="error" role="alert">
            {props.error}
          </p>
        )}
        <div className="buttons">
          <button type="button" className="primary" disabled={props.busy} onClick={() => props.onConfirm(preflight)}>
            {preflight ? t('impact.startPreflight') : t('impact.confirm')}
          </button>
          <button type="button" disabled={props.busy} onClick={props.onBack}>
            {t('common.back')}
          </button>
        </div>
      </div>
    </div>
  );
}
