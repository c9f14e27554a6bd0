import { useState } from 'react';
import type { ClientAction, ClientActionResult, ClientList, ClientView, NotifyResult, PortsView, PushHostList, WakeResult } from '@siteport/protocol';
import { api, describeError } from './api.js';
import { useSession } from './session.js';
import { useApi } from './use-api.js';
import type { HierarchySite } from './sites-view.js';

function stateOf(c: ClientView): string {
  if (c.managed === 'unmanaged') return `unmanaged: ${c.unmanagedReason ?? 'no reason given'}`;
  return c.activity;
}

/** Assets → Devices: the clients of every site with their ports in use, last contact and state. Agent-reported text is rendered as text. */
export function DevicesView() {
  const sites = useApi<{ sites: HierarchySite[] }>('/sites').data?.sites ?? [];
  const [filter, setFilter] = useState('');
  return (
    <section aria-labelledby="devices-title">
      <h1 id="devices-title">Devices</h1>
      <p className="breadcrumb">Assets › Devices</p>
      <label className="filter">
        Filter
        <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, category, state" />
      </label>
      {sites.map((s) => (
        <SiteDevices key={s.siteCode} siteCode={s.siteCode} filter={filter.toLowerCase()} />
      ))}
    </section>
  );
}

/**
 * Per-device actions through the admin API: download policy now and port switch (notification
 * channel), wake up (magic packet), push install (client push with the site's current ports).
 */
function DeviceActions({ client }: { client: ClientView }) {
  const [result, setResult] = useState('');
  const run = (what: string, call: () => Promise<string>): void => {
    setResult(`${what}…`);
    call().then(setResult, (error: unknown) => setResult(`${what}: ${describeError(error)}`));
  };
  const policyNow = (): void =>
    run('policy', async () => {
      const r = await api<NotifyResult>('POST', '/notify', { clients: [client.clientId], action: 'policy', waitSeconds: 10 });
      const one = r.results[0];
      return `policy: ${one?.outcome ?? 'no answer'}${one?.via ? ` via ${one.via}` : ''}`;
    });
  const wake = (): void =>
    run('wake', async () => {
      const r = await api<WakeResult>('POST', '/wake', { clients: [client.clientId] });
      return `wake: ${r.results[0]?.outcome ?? 'no answer'}`;
    });
  const portSwitch = (): void =>
    run('switch-ports', async () => {
      const ports = await api<PortsView>('GET', `/sites/${client.siteCode}/ports`);
      const payload = { http: ports.http, https: ports.https, notification: ports.notification };
      const r = await api<NotifyResult>('POST', '/notify', { clients: [client.clientId], action: 'switch-ports', payload, waitSeconds: 10 });
      return `switch-ports: ${r.results[0]?.outcome ?? 'no answer'}`;
    });
  // Decision 0095: the registration actions this client's status allows.
  const registrationActions: ClientAction[] =
    client.status === 'pending' ? ['approve', 'block'] : client.status === 'blocked' ? ['unblock', 'retire'] : client.status === 'active' ? ['block', 'retire'] : [];
  const act = (action: ClientAction): void =>
    run(action, async () => {
      if (action === 'retire' && !window.confirm(`Retire ${client.hostname}? Its key will no longer be accepted.`)) return `${action}: cancelled`;
      const r = await api<ClientActionResult>('POST', `/sites/${client.siteCode}/clients/${client.clientId}/${action}`, {});
      return `${action}: ${r.from} → ${r.status}`;
    });
  const pushInstall = (): void =>
    run('push', async () => {
      // The host name is the client's own claim: the server makes it a candidate an administrator approves under Push.
      const r = await api<PushHostList>('POST', `/sites/${client.siteCode}/push/candidates`, { clientId: client.clientId });
      const host = r.hosts[0];
      return host === undefined ? 'push: no answer' : host.approval === 'candidate' ? `push: candidate ${host.host}, approve it under Push` : `push: ${host.status}`;
    });
  return (
    <>
      <button type="button" onClick={policyNow}>
        Download policy now
      </button>{' '}
      <button type="button" onClick={wake}>
        Wake up
      </button>{' '}
      <button type="button" onClick={portSwitch}>
        Port switch
      </button>{' '}
      <button type="button" onClick={pushInstall}>
        Push install
      </button>{' '}
      {registrationActions.map((action) => (
        <span key={action}>
          <button type="button" onClick={() => act(action)}>
            {action[0]?.toUpperCase()}
            {action.slice(1)}
          </button>{' '}
        </span>
      ))}
      <span data-testid="action-result">{result}</span>
    </>
  );
}

function SiteDevices({ siteCode, filter }: { siteCode: string; filter: string }) {
  const { canChange } = useSession();
  const { data, error } = useApi<ClientList>(`/sites/${siteCode}/clients`, 3000);
  const clients = (data?.clients ?? []).filter((c) => filter === '' || [c.hostname, c.category, stateOf(c), c.clientId].some((v) => v.toLowerCase().includes(filter)));
  return (
    <>
      {error !== null && <p className="error" role="alert">{error}</p>}
      <table className="grid" aria-label={`Devices of ${siteCode}`}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Site</th>
            <th>Category</th>
            <th>Online</th>
            <th>Port and protocol in use</th>
            <th>Last contact</th>
            <th>State</th>
            <th>Agent</th>
            <th>Registration</th>
            {canChange && <th>Actions</th>}
          </tr>
        </thead>
        <tbody>
          {clients.map((c) => (
            <tr key={c.clientId} data-client={c.clientId} className={c.managed === 'unmanaged' ? 'unmanaged' : undefined}>
              <td title={c.clientId}>{c.hostname}</td>
              <td>{c.siteCode}</td>
              <td>{c.category}</td>
              <td>{c.activity === 'active' ? 'online' : 'offline'}</td>
              <td data-testid="port-in-use">{c.lastContact === null ? '—' : `${c.lastContact.protocol.toUpperCase()} ${c.lastContact.port}`}</td>
              <td>{c.lastContact === null ? 'never' : new Date(c.lastContact.at).toLocaleString()}</td>
              <td>{stateOf(c)}</td>
              <td>{c.agentState}</td>
              <td data-testid="registration">{c.status === 'pending' ? 'pending approval' : c.status}</td>
              {canChange && (
                <td>
                  <DeviceActions client={c} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {data !== undefined && <p className="muted">Site {siteCode}: {clients.length} of {data.clients.length} client(s) shown; inactive after {data.activeWindowSeconds} s without contact.</p>}
    </>
  );
}
