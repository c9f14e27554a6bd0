import { useState } from 'react';
import type { GatewayView as GatewaySetting } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';
import { RichText } from './i18n/index.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';

/**
 * Administration → Gateway: where clients outside the network reach the site (decision 0113).
 * Clients learn it from policy and use it only when no management point answers directly.
 * Setting or removing it needs the gateway.configure permission and is audited.
 */
export function GatewayView() {
  const { t } = useTranslation();
  const { canChange } = useSession();
  const health = useApi<{ siteCode: string }>('/health');
  const siteCode = health.data?.siteCode;
  const path = siteCode === undefined ? null : `/sites/${siteCode}/gateway`;
  const { data, error, reload } = useApi<GatewaySetting>(path, 5000);
  const [host, setHost] = useState('');
  const [port, setPort] = useState('443');
  const [result, setResult] = useState('');
  const gateway = data?.gateway ?? null;

  const save = (): void => {
    if (path === null) return;
    setResult(t('gateway.saving'));
    api<GatewaySetting>('PUT', path, { host: host.trim(), port: Number(port) }).then(
      (view) => {
        setResult(t('gateway.saved', { url: `https://${view.gateway?.host ?? ''}:${view.gateway?.port ?? ''}` }));
        reload();
      },
      (e: unknown) => setResult(describeError(e)),
    );
  };
  const remove = (): void => {
    if (path === null) return;
    api<GatewaySetting>('DELETE', path).then(
      () => {
        setResult(t('gateway.removed'));
        reload();
      },
      (e: unknown) => setResult(describeError(e)),
    );
  };

  return (
    <section aria-labelledby="gateway-title">
      <h1 id="gateway-title">{t('gateway.title')}</h1>
      <p className="breadcrumb">{t('gateway.breadcrumb')}</p>
      <p className="muted">{t('gateway.hint')}</p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <dl className="properties" aria-label={t('gateway.current')}>
        <dt>{t('gateway.current')}</dt>
        <dd data-testid="gateway-current">
          {gateway === null ? t('gateway.none') : `https://${gateway.host}:${gateway.port}`}
        </dd>
        {data?.updatedBy != null && (
          <>
            <dt>{t('gateway.changed')}</dt>
            <dd>{t('gateway.changedBy', { by: data.updatedBy, at: data.updatedAt ?? '' })}</dd>
          </>
        )}
      </dl>
      <p className="muted">
        <RichText
          text={t('gateway.run')}
          parts={{
            command: (
              <code>
                siteport gateway run --server URL --token-file FILE --site {siteCode ?? 'PS1'} --port{' '}
                {gateway?.port ?? 443}
              </code>
            ),
          }}
        />
      </p>
      {canChange && (
        <form
          aria-label={t('gateway.form')}
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label>
            {t('gateway.host')} <input value={host} onChange={(e) => setHost(e.target.value)} required />
          </label>{' '}
          <label>
            {t('gateway.port')}{' '}
            <input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" required />
          </label>{' '}
          <button type="submit">{t('gateway.save')}</button>{' '}
          {gateway !== null && (
            <button type="button" onClick={remove}>
              {t('gateway.remove')}
            </button>
          )}
        </form>
      )}
      <p className="muted">{t('gateway.firewall')}</p>
      <p data-testid="gateway-result" role="status">
        {result}
      </p>
    </section>
  );
}
