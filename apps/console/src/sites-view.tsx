import { useState } from 'react';
import type { SiteView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { type Format, useFormat, valueText } from './i18n/index.js';
import { navigate } from './route.js';
import { useApi } from './use-api.js';

/** What `GET /sites` returns, plus the hierarchy fields another issue adds (absent until then). */
export type HierarchySite = SiteView & { parent?: string | null; parentCode?: string | null };

const parentOf = (site: HierarchySite): string | null => site.parent ?? site.parentCode ?? null;

/** The families a listen address serves: `::` is dual stack, `0.0.0.0` and dotted addresses IPv4. */
function families(address: string, t: TFunction): string {
  if (address === '::') return t('sites.familyDual');
  return address.includes(':') ? t('sites.familyV6') : t('sites.familyV4');
}

function listenerSummary(site: SiteView, t: TFunction): string {
  if (site.listeners.length === 0) return t('sites.noListeners');
  return site.listeners
    .map((l) => {
      const shown = { protocol: l.protocol.toUpperCase(), port: l.port, state: valueText(l.state) };
      if (l.address === undefined) return t('sites.listener', shown);
      const host = l.address.includes(':') ? `[${l.address}]` : l.address;
      return t('sites.listenerAt', { ...shown, endpoint: `${host}:${l.port}`, families: families(l.address, t) });
    })
    .join(', ');
}

const clientCounts = (site: SiteView, format: Format): string =>
  `${format.count(site.clients.active)} / ${format.count(site.clients.total)}`;

/** Administration → Site Configuration → Sites: the hierarchy with codes, MPs and their status. */
export function SitesView() {
  const { t } = useTranslation();
  const format = useFormat();
  const { data, error } = useApi<{ sites: HierarchySite[] }>('/sites', 5000);
  const [selected, setSelected] = useState<string | null>(null);
  const sites = data?.sites ?? [];
  const primaries = sites.filter((s) => s.kind === 'primary' || parentOf(s) === null);
  const childrenOf = (code: string): HierarchySite[] =>
    sites.filter((s) => s.kind === 'secondary' && parentOf(s) === code);
  const tree = primaries.flatMap((p) => [
    { site: p, depth: 0 },
    ...childrenOf(p.siteCode).map((c) => ({ site: c, depth: 1 })),
  ]);
  // Secondary sites whose parent this server does not list still show, at the top level.
  const ordered = [
    ...tree,
    ...sites.filter((s) => !tree.some((t) => t.site === s)).map((site) => ({ site, depth: 0 })),
  ];

  return (
    <section aria-labelledby="sites-title">
      <h1 id="sites-title">{t('sites.title')}</h1>
      <p className="breadcrumb">{t('sites.breadcrumb')}</p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="toolbar">
        <button
          type="button"
          disabled={selected === null}
          onClick={() => selected !== null && navigate({ screen: 'site-properties', siteCode: selected })}
        >
          {t('common.properties')}
        </button>
      </div>
      <table className="grid" aria-label={t('sites.title')}>
        <thead>
          <tr>
            <th>{t('common.site')}</th>
            <th>{t('sites.code')}</th>
            <th>{t('sites.type')}</th>
            <th>{t('sites.managementPoint')}</th>
            <th>{t('sites.clients')}</th>
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
              <td>
                {site.kind === 'primary'
                  ? t('sites.primary')
                  : t('sites.secondaryOf', { parent: parentOf(site) ?? '?' })}
              </td>
              <td>{listenerSummary(site, t)}</td>
              <td>{clientCounts(site, format)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
