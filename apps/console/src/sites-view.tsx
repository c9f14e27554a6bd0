import { useState } from 'react';
import type { SiteView } from '@siteport/protocol';
import { navigate } from './route.js';
import { useApi } from './use-api.js';

/** What `GET /sites` returns, plus the hierarchy fields another issue adds (absent until then). */
export type HierarchySite = SiteView & { parent?: string | null; parentCode?: string | null };

export const parentOf = (site: HierarchySite): string | null => site.parent ?? site.parentCode ?? null;

function listenerSummary(site: SiteView): string {
  if (site.listeners.length === 0) return 'no listeners';
  return site.listeners.map((l) => `${l.protocol.toUpperCase()} ${l.port} ${l.state}`).join(', ');
}

/** Administration → Site Configuration → Sites: the hierarchy with codes, MPs and their status. */
export function SitesView() {
  const { data, error } = useApi<{ sites: HierarchySite[] }>('/sites', 5000);
  const [selected, setSelected] = useState<string | null>(null);
  const sites = data?.sites ?? [];
  const primaries = sites.filter((s) => s.kind === 'primary' || parentOf(s) === null);
  const childrenOf = (code: string): HierarchySite[] => sites.filter((s) => s.kind === 'secondary' && parentOf(s) === code);
  const tree = primaries.flatMap((p) => [{ site: p, depth: 0 }, ...childrenOf(p.siteCode).map((c) => ({ site: c, depth: 1 }))]);
  // Secondary sites whose parent this server does not list still show, at the top level.
  const ordered = [...tree, ...sites.filter((s) => !tree.some((t) => t.site === s)).map((site) => ({ site, depth: 0 }))];

  return (
    <section aria-labelledby="sites-title">
      <h1 id="sites-title">Sites</h1>
      <p className="breadcrumb">Administration › Site Configuration › Sites</p>
      {error !== null && <p className="error" role="alert">{error}</p>}
      <div className="toolbar">
        <button type="button" disabled={selected === null} onClick={() => selected !== null && navigate({ screen: 'site-properties', siteCode: selected })}>
          Properties
        </button>
      </div>
      <table className="grid" aria-label="Sites">
        <thead>
          <tr>
            <th>Site</th>
            <th>Code</th>
            <th>Type</th>
            <th>Management point</th>
            <th>Clients (active / total)</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map(({ site, depth }) => (
            <tr
              key={site.siteCode}
              aria-selected={selected === site.siteCode}
              className={selected === site.siteCode ? 'selected' : undefined}
              onClick={() => setSelected(site.siteCode)}
              onDoubleClick={() => navigate({ screen: 'site-properties', siteCode: site.siteCode })}
            >
              <td className={depth === 1 ? 'indent' : undefined}>{site.name}</td>
              <td>{site.siteCode}</td>
              <td>{site.kind === 'primary' ? 'Primary site' : `Secondary site of ${parentOf(site) ?? '?'}`}</td>
              <td>{listenerSummary(site)}</td>
              <td>
                {site.clients.active} / {site.clients.total}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
