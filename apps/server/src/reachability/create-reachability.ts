import type { Kysely, SiteDatabase } from '@siteport/db';
import type { PortSettingsService } from '../ports/index.js';
import { AuditRepository } from '../site/index.js';
import { ReachabilityRepository } from './reachability-repository.js';
import { ReachabilityService } from './reachability-service.js';
import { inUsePortsFrom, sitePortsFrom } from './site-ports.js';

/** The reachability map of a site database, reading the site's ports from `ports`. */
export function createReachability(deps: {
  db: Kysely<SiteDatabase>;
  ports: PortSettingsService;
  onSettingsChanged?: () => void;
}): ReachabilityService {
  return new ReachabilityService({
    repository: new ReachabilityRepository(deps.db),
    audit: new AuditRepository(deps.db),
    ports: sitePortsFrom(deps.ports),
    inUse: inUsePortsFrom(deps.ports),
    ...(deps.onSettingsChanged === undefined ? {} : { onSettingsChanged: deps.onSettingsChanged }),
  });
}
