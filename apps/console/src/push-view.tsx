import { useState } from 'react';
import type { PushHostList, PushHostView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';
import { RichText, valueText } from './i18n/index.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';

/**
 * Assets → Client push: the push inventory of this server's site. A candidate (a host name a
 * client reported, or a scan found) is connected to only after it is approved here; a host that
 * presented an unpinned key gets a password only after its fingerprint is confirmed here.
 */
export function PushView() {
  const { t } = useTranslation();
  const health = useApi<{ siteCode: string }>('/health');
  const siteCode = health.data?.siteCode;
  const { data, error, reload } = useApi<PushHostList>(
    siteCode === undefined ? null : `/sites/${siteCode}/push/hosts`,
    3000,
  );
  return (
    <section aria-labelledby="push-title">
      <h1 id="push-title">{t('push.title')}</h1>
      <p className="breadcrumb">{t('push.breadcrumb')}</p>
      <p className="muted">
        <RichText
          text={t('push.hint')}
          parts={{ command: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> }}
        />
      </p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" aria-label={t('push.table')}>
        <thead>
          <tr>
            <th>{t('push.host')}</th>
            <th>{t('push.source')}</th>
            <th>{t('push.status')}</th>
            <th>{t('push.hostKey')}</th>
            <th>{t('push.reason')}</th>
            <th>{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(data?.hosts ?? []).map((h) => (
            <PushRow key={h.id} host={h} siteCode={siteCode ?? ''} onChange={reload} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PushRow({ host, siteCode, onChange }: { host: PushHostView; siteCode: string; onChange: () => void }) {
  const { t } = useTranslation();
  const { canChange } = useSession();
  const [result, setResult] = useState('');
  const approve = (hostKey?: string): void => {
    setResult(t('push.approving'));
    api<PushHostView>(
      'POST',
      `/sites/${siteCode}/push/hosts/${host.id}/approve`,
      hostKey === undefined ? {} : { hostKey },
    ).then(
      (h) => {
        setResult(t('push.approved', { status: valueText(h.status) }));
        onChange();
      },
      (e: unknown) => setResult(describeError(e)),
    );
  };
  const unconfirmed = host.hostKey === null ? host.presentedHostKey : null;
  return (
    <tr data-push-host={host.id}>
      <td>
        {host.host}:{host.port}
      </td>
      <td>{host.source}</td>
      <td>{host.approval === 'candidate' ? valueText('candidate') : valueText(host.status)}</td>
      <td>{host.hostKey ?? (unconfirmed === null ? '—' : t('push.presented', { key: unconfirmed }))}</td>
      <td>{host.reason ?? ''}</td>
      <td>
        {canChange && host.approval === 'candidate' && (
          <button type="button" onClick={() => approve()}>
            {t('push.approve')}
          </button>
        )}{' '}
        {canChange && unconfirmed !== null && (
          <button type="button" onClick={() => approve(unconfirmed)}>
            {t('push.confirmKey')}
          </button>
        )}{' '}
        <span data-testid="push-result">{result}</span>
      </td>
    </tr>
  );
}
