// Over 300 lines: the Devices view's table, filters, paging and client actions share the page state.
import { useState } from 'react';
import {
  CLIENT_CHANNELS,
  CLIENT_STATUSES,
  type ClientAction,
  type ClientActionResult,
  type ClientChannel,
  type ClientCounts,
  type ClientList,
  type ClientStatus,
  type ClientView,
  type NotifyResult,
  type PortsView,
  type PushHostList,
  type WakeResult,
} from '@siteport/protocol';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, clientPagePath, describeError } from './api.js';
import { useFormat, valueText } from './i18n/index.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import type { HierarchySite } from './sites-view.js';

function stateOf(c: ClientView, t: TFunction): string {
  if (c.managed === 'unmanaged') return t('devices.unmanaged', { reason: c.unmanagedReason ?? t('devices.noReason') });
  return valueText(c.activity);
}

/** The filters of the Devices view, sent to the server with each page. */
interface DeviceFilters {
  status: ClientStatus | undefined;
  channel: ClientChannel | undefined;
  port: number | undefined;
}

/** Devices per page: a screenful, whatever the size of the site. */
const PAGE_SIZE = 50;

/**
 * Assets → Devices: the clients of every site a page at a time, with their ports in use, last
 * contact and state; filtered by status, channel and port on the server, the total from the
 * counts endpoint. Agent-reported text is rendered as text.
 */
export function DevicesView() {
  const { t } = useTranslation();
  const sites = useApi<{ sites: HierarchySite[] }>('/sites').data?.sites ?? [];
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const [port, setPort] = useState('');
  const portNumber = /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? Number(port) : undefined;
  const filters: DeviceFilters = {
    status: (CLIENT_STATUSES as readonly string[]).includes(status) ? (status as ClientStatus) : undefined,
    channel: (CLIENT_CHANNELS as readonly string[]).includes(channel) ? (channel as ClientChannel) : undefined,
    port: portNumber,
  };
  return (
    <section aria-labelledby="devices-title">
      <h1 id="devices-title">{t('devices.title')}</h1>
      <p className="breadcrumb">{t('devices.breadcrumb')}</p>
      <label className="filter">
        {t('devices.statusFilter')}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t('devices.any')}</option>
          {CLIENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {valueText(s)}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        {t('devices.channelFilter')}
        <select value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="">{t('devices.any')}</option>
          {CLIENT_CHANNELS.map((c) => (
            <option key={c} value={c}>
              {t(`devices.channels.${c}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        {t('devices.portFilter')}
        <input
          value={port}
          onChange={(e) => setPort(e.target.value)}
          inputMode="numeric"
          size={6}
          aria-invalid={port !== '' && portNumber === undefined}
        />
      </label>
      <label className="filter">
        {t('common.filter')}
        <input
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder={t('devices.filterPlaceholder')}
        />
      </label>
      {sites.map((s) => (
        // A new filter starts at the first page again.
        <SiteDevices
          key={`${s.siteCode} ${status} ${channel} ${portNumber ?? ''}`}
          siteCode={s.siteCode}
          filters={filters}
          filter={filter.toLowerCase()}
        />
      ))}
    </section>
  );
}

/**
 * Per-device actions through the admin API: download policy now and port switch (notification
 * channel), wake up (magic packet), push install (client push with the site's current ports).
 */
function DeviceActions({ client }: { client: ClientView }) {
  const { t } = useTranslation();
  const [result, setResult] = useState('');
  const run = (what: string, call: () => Promise<string>): void => {
    setResult(t('devices.running', { action: what }));
    call().then(setResult, (error: unknown) =>
      setResult(t('devices.failed', { action: what, error: describeError(error) })),
    );
  };
  const policyNow = (): void =>
    run(t('devices.actionNames.policy'), async () => {
      const r = await api<NotifyResult>('POST', '/notify', {
        clients: [client.clientId],
        action: 'policy',
        waitSeconds: 10,
      });
      const one = r.results[0];
      const outcome = one === undefined ? t('common.noAnswer') : valueText(one.outcome);
      const action = t('devices.actionNames.policy');
      return one?.via
        ? t('devices.resultVia', { action, outcome, via: one.via })
        : t('devices.result', { action, outcome });
    });
  const wake = (): void =>
    run(t('devices.actionNames.wake'), async () => {
      const r = await api<WakeResult>('POST', '/wake', { clients: [client.clientId] });
      const outcome = r.results[0]?.outcome;
      return t('devices.result', {
        action: t('devices.actionNames.wake'),
        outcome: outcome === undefined ? t('common.noAnswer') : valueText(outcome),
      });
    });
  const portSwitch = (): void =>
    run(t('devices.actionNames.switch-ports'), async () => {
      const ports = await api<PortsView>('GET', `/sites/${client.siteCode}/ports`);
      const payload = { http: ports.http, https: ports.https, notification: ports.notification };
      const r = await api<NotifyResult>('POST', '/notify', {
        clients: [client.clientId],
        action: 'switch-ports',
        payload,
        waitSeconds: 10,
      });
      const outcome = r.results[0]?.outcome;
      return t('devices.result', {
        action: t('devices.actionNames.switch-ports'),
        outcome: outcome === undefined ? t('common.noAnswer') : valueText(outcome),
      });
    });
  // Decision 0095: the registration actions this client's status allows.
  const registrationActions: ClientAction[] =
    client.status === 'pending'
      ? ['approve', 'block']
      : client.status === 'blocked'
        ? ['unblock', 'retire']
        : client.status === 'active'
          ? ['block', 'retire']
          : [];
  const act = (action: ClientAction): void =>
    run(t(`devices.actionNames.${action}`), async () => {
      const name = t(`devices.actionNames.${action}`);
      if (action === 'retire' && !window.confirm(t('devices.retireQuestion', { host: client.hostname })))
        return t('devices.cancelled', { action: name });
      const r = await api<ClientActionResult>(
        'POST',
        `/sites/${client.siteCode}/clients/${client.clientId}/${action}`,
        {},
      );
      return t('devices.statusChange', { action: name, from: valueText(r.from), to: valueText(r.status) });
    });
  const pushInstall = (): void =>
    run(t('devices.actionNames.push'), async () => {
      // The host name is the client's own claim: the server makes it a candidate an administrator approves under Push.
      const r = await api<PushHostList>('POST', `/sites/${client.siteCode}/push/candidates`, {
        clientId: client.clientId,
      });
      const host = r.hosts[0];
      const action = t('devices.actionNames.push');
      if (host === undefined) return t('devices.result', { action, outcome: t('common.noAnswer') });
      return host.approval === 'candidate'
        ? t('devices.pushCandidate', { host: host.host })
        : t('devices.result', { action, outcome: valueText(host.status) });
    });
  return (
    <>
      <button type="button" onClick={policyNow}>
        {t('devices.policyNow')}
      </button>{' '}
      <button type="button" onClick={wake}>
        {t('devices.wake')}
      </button>{' '}
      <button type="button" onClick={portSwitch}>
        {t('devices.portSwitch')}
      </button>{' '}
      <button type="button" onClick={pushInstall}>
        {t('devices.pushInstall')}
      </button>{' '}
      {registrationActions.map((action) => (
        <span key={action}>
          <button type="button" onClick={() => act(action)}>
            {t(`devices.actionButtons.${action}`)}
          </button>{' '}
        </span>
      ))}
      <span data-testid="action-result">{result}</span>
    </>
  );
}

function SiteDevices({ siteCode, filters, filter }: { siteCode: string; filters: DeviceFilters; filter: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { canChange } = useSession();
  // The cursors of the pages before this one (the first page has none): Previous goes back one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  // One page and the counts are polled, never the whole site.
  const { data, error } = useApi<ClientList>(clientPagePath(siteCode, { limit: PAGE_SIZE, cursor, ...filters }), 5000);
  const counts = useApi<ClientCounts>(`/sites/${encodeURIComponent(siteCode)}/clients/counts`, 10_000).data;
  const next = data?.nextCursor;
  const clients = (data?.clients ?? []).filter(
    (c) =>
      filter === '' ||
      [c.hostname, valueText(c.category), stateOf(c, t), c.clientId].some((v) => v.toLowerCase().includes(filter)),
  );
  return (
    <>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" aria-label={t('devices.table', { site: siteCode })}>
        <thead>
          <tr>
            <th>{t('devices.name')}</th>
            <th>{t('common.site')}</th>
            <th>{t('common.category')}</th>
            <th>{t('devices.online')}</th>
            <th>{t('devices.portInUse')}</th>
            <th>{t('devices.lastContact')}</th>
            <th>{t('common.state')}</th>
            <th>{t('devices.agent')}</th>
            <th>{t('devices.registration')}</th>
            {canChange && <th>{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {clients.map((c) => (
            <tr
              key={c.clientId}
              data-client={c.clientId}
              className={c.managed === 'unmanaged' ? 'unmanaged' : undefined}
            >
              <td title={c.clientId}>{c.hostname}</td>
              <td>{c.siteCode}</td>
              <td>{valueText(c.category)}</td>
              <td>{c.activity === 'active' ? t('devices.isOnline') : t('devices.isOffline')}</td>
              <td data-testid="port-in-use">
                {c.lastContact === null ? '—' : `${c.lastContact.protocol.toUpperCase()} ${c.lastContact.port}`}
              </td>
              <td>{c.lastContact === null ? t('common.never') : format.dateTime(c.lastContact.at)}</td>
              <td>{stateOf(c, t)}</td>
              <td>{valueText(c.agentState)}</td>
              <td data-testid="registration">
                {c.status === 'pending' ? t('devices.pendingApproval') : valueText(c.status)}
              </td>
              {canChange && (
                <td>
                  <DeviceActions client={c} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => {
            setCursor(cursors[cursors.length - 1]);
            setCursors(cursors.slice(0, -1));
          }}
        >
          {t('devices.previous')}
        </button>{' '}
        <span data-testid="page-number">{t('devices.page', { page: format.count(cursors.length + 1) })}</span>{' '}
        <button
          type="button"
          disabled={next === undefined}
          onClick={() => {
            setCursors([...cursors, cursor]);
            setCursor(next);
          }}
        >
          {t('devices.next')}
        </button>
      </p>
      {data !== undefined && counts !== undefined && (
        <p className="muted" data-testid="devices-summary">
          {t('devices.summary', {
            site: siteCode,
            shown: format.count(clients.length),
            total: format.count(counts.total),
            seconds: format.count(data.activeWindowSeconds),
          })}{' '}
          {t('devices.reach', {
            tcp: format.count(counts.byChannel.tcp),
            poll: format.count(counts.byChannel['http-poll']),
            none: format.count(counts.byChannel.none),
          })}
        </p>
      )}
    </>
  );
}
