import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from './i18n/index.js';
import { useApi } from './use-api.js';
import type { AuditEntryView } from '@siteport/protocol';

const show = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value));

/** Monitoring → Audit: who changed what, when, old → new and the outcome; filterable. */
export function AuditView() {
  const { t } = useTranslation();
  const format = useFormat();
  const [site, setSite] = useState('');
  const [text, setText] = useState('');
  const query = site === '' ? '/audit?limit=500' : `/audit?limit=500&site=${encodeURIComponent(site)}`;
  const { data, error } = useApi<{ entries: AuditEntryView[] }>(query, 5000);
  const needle = text.toLowerCase();
  const entries = (data?.entries ?? []).filter(
    (e) =>
      needle === '' ||
      [e.actor, e.action, e.outcome, show(e.oldValue), show(e.newValue)].some((v) => v.toLowerCase().includes(needle)),
  );
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{t('audit.title')}</h1>
      <p className="breadcrumb">{t('audit.breadcrumb')}</p>
      <div className="toolbar">
        <label className="filter">
          {t('audit.siteCode')}
          <input
            value={site}
            maxLength={3}
            onChange={(e) => setSite(e.target.value.toUpperCase())}
            placeholder={t('audit.all')}
          />
        </label>
        <label className="filter">
          {t('audit.contains')}
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('audit.containsPlaceholder')} />
        </label>
      </div>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" aria-label={t('audit.table')}>
        <thead>
          <tr>
            <th>{t('audit.when')}</th>
            <th>{t('audit.who')}</th>
            <th>{t('common.site')}</th>
            <th>{t('audit.action')}</th>
            <th>{t('audit.old')}</th>
            <th>{t('audit.new')}</th>
            <th>{t('audit.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{format.dateTime(e.at)}</td>
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
