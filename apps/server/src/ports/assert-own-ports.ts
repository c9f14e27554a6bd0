import { SiteportError } from '@siteport/protocol';
import type { SiteRecord } from '../site/index.js';

/**
 * Refuses a direct change of a secondary site's ports: they are inherited from its
 * primary and change only there.
 */
export function assertOwnPorts(site: SiteRecord): void {
  if (site.kind !== 'secondary') return;
  const primary = site.parentCode ?? 'its primary';
  throw new SiteportError(
    'E_INHERITED',
    `site ${site.code} inherits its ports from primary ${primary}; change them there: siteport ports set --server <admin URL of ${primary}> --site ${primary} ITEM=VALUE …`,
    { details: { siteCode: site.code, inheritedFrom: site.parentCode } },
  );
}
