import { useState } from 'react';
import { useApi } from './use-api.js';
import type { AuditEntryView } from '@siteport/protocol';

const show = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value));

/** Monitoring → Audit: who changed what, when, old → new and the outcome; filterable. */
export function AuditView() {
  const [site, setSite] = useState('');
  const [text, setText] = useState('');
  const query = site === '' ? '/audit?limit=500' : `/audit?limit=500&site=${encodeURIComponent(site)}`;
  const { data, error } = useApi<{ entries: AuditEntryView[] }>(query, 5000);
  const needle = text.toLowerCase();
  const entries = (data?.entries ?? []).filter((e) => needle === '' || [e.actor, e.action, e.outcome, show(e.oldValue), show(e.newValue)].some((v) => v.toLowerCase().includes(needle)));
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <p className="breadcrumb">Monitoring › Audit</p>
      <div className="toolbar">
        <label className="filter">
          Site code
          <input value={site} maxLength={3} onChange={(e) => setSite(e.target.value.toUpperCase())} placeholder="all" />
        </label>
        <label className="filter">
          Contains
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="actor, action, value" />
        </label>
      </div>
      {error !== null && <p className="error" role="alert">{error}</p>}
      <table className="grid" aria-label="Audit log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Site</th>
            <th>Action</th>
            <th>Old</th>
            <th>New</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.actor}</td>
              <td>{e.siteCode ?? ''}</td>
              <td>{e.action}</td>
              <td className="json">{show(e.oldValue)}</td>
              <td className="json">{show(e.newValue)}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
