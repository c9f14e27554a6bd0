import { useState } from 'react';
import type { ImpactReport } from '@siteport/protocol';

/** Warnings may name the default web site's applications that the change moves (SPEC S5). */
type WarningWithApplications = ImpactReport['warnings'][number] & { applications?: string[] };

const CATEGORY_NAMES: Record<string, string> = {
  'directory-joined': 'Directory-joined',
  workgroup: 'Workgroup',
  'other-forest': 'Other forest',
  'internet-only': 'Internet-only',
  'on-internet': 'Currently on the internet',
};

const endpoints = (list: { protocol: string; port: number }[]): string => (list.length === 0 ? 'none' : list.map((e) => `${e.protocol.toUpperCase()} ${e.port}`).join(', '));

/**
 * The impact of a change before it is committed (SPEC B2, S5, S6): counts per client category,
 * the clients at risk with remediation commands, the warnings with their numbers, the other
 * applications of the default web site, and an explicit confirmation.
 */
export function ImpactPreview(props: { report: ImpactReport; movesPorts: boolean; busy: boolean; error: string | null; onConfirm: (preflight: boolean) => void; onBack: () => void }) {
  const { report } = props;
  const [preflight, setPreflight] = useState(false);
  const categories = Object.entries(report.counts);
  const applications = [...new Set(report.warnings.flatMap((w: WarningWithApplications) => w.applications ?? []))];

  return (
    <div className="backdrop">
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="impact-title">
        <h2 id="impact-title">Impact of this change</h2>
        <p>
          Ports that go away: <strong data-testid="removed">{endpoints(report.removed)}</strong>. New ports: <strong data-testid="added">{endpoints(report.added)}</strong>.
        </p>
        {report.warnings.length > 0 && (
          <ul className="warnings" aria-label="Warnings">
            {report.warnings.map((w) => (
              <li key={w.code + w.message}>
                <strong>{w.code}</strong> {w.message}
              </li>
            ))}
          </ul>
        )}
        <h3>Clients per category</h3>
        <table className="grid" aria-label="Clients per category">
          <thead>
            <tr>
              <th>Category</th>
              <th>Total</th>
              <th>Active</th>
              <th>Learn via directory</th>
              <th>Learn via policy (overlap)</th>
              <th>Learn nothing</th>
            </tr>
          </thead>
          <tbody>
            {categories.map(([name, c]) => (
              <tr key={name}>
                <td>{CATEGORY_NAMES[name] ?? name}</td>
                <td>{c.total}</td>
                <td>{c.active}</td>
                <td>{c.directory}</td>
                <td>{c.policy}</td>
                <td>{c.nothing}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Clients at risk ({report.atRisk.length})</h3>
        {report.atRisk.length === 0 ? (
          <p className="ok-text">No client would be stranded: every client learns the new ports.</p>
        ) : (
          <table className="grid" aria-label="Clients at risk">
            <thead>
              <tr>
                <th>Client</th>
                <th>Category</th>
                <th>Why</th>
                <th>Remediation</th>
              </tr>
            </thead>
            <tbody>
              {report.atRisk.map((c) => (
                <tr key={c.clientId}>
                  <td>{c.hostname}</td>
                  <td>{CATEGORY_NAMES[c.category] ?? c.category}</td>
                  <td>{c.reason ?? c.learnsVia}</td>
                  <td>
                    {c.remediation.map((cmd) => (
                      <code key={cmd} className="command">{cmd}</code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {applications.length > 0 && (
          <>
            <h3>Other applications on the default web site that would move</h3>
            <ul aria-label="Default web site applications">
              {applications.map((name) => (
                <li key={name}>{name}</li>
              ))}
            </ul>
          </>
        )}
        {report.preflight !== null && (
          <>
            <h3>Pre-flight</h3>
            <p>{report.preflight.reported} client(s) reported.</p>
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
            Run a pre-flight first: clients test the new ports before anything is committed
          </label>
        )}
        {props.error !== null && <p className="error" role="alert">{props.error}</p>}
        <div className="buttons">
          <button type="button" className="primary" disabled={props.busy} onClick={() => props.onConfirm(preflight)}>
            {preflight ? 'Start pre-flight' : 'Confirm change'}
          </button>
          <button type="button" disabled={props.busy} onClick={props.onBack}>
            Back
          </button>
        </div>
      </div>
    </div>
  );
}
