import { useState } from 'react';
import type { ClientList, ClientView } from '@siteport/protocol';
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

function SiteDevices({ siteCode, filter }: { siteCode: string; filter: string }) {
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
            </tr>
          ))}
        </tbody>
      </table>
      {data !== undefined && <p className="muted">Site {siteCode}: {clients.length} of {data.clients.length} client(s) shown; inactive after {data.activeWindowSeconds} s without contact.</p>}
    </>
  );
}
