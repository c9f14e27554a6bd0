import type { SiteCluster } from '../cluster/index.js';
import type { ConsoleAccounts, ConsoleUserAdmin } from '../console/index.js';
import type { DirectoryService } from '../directory/index.js';
import type { FirewallService } from '../firewall/index.js';
import type { HierarchyService } from '../hierarchy/index.js';
import type { NotifyService } from '../notify/index.js';
import type { CertificateService } from '../pki/index.js';
import type { RolloutService } from '../ports/index.js';
import type { PushService } from '../push/index.js';
import type { ReachabilityService } from '../reachability/index.js';
import type { RegistrationService } from '../clients/index.js';
import type { ApiTokens } from '../tokens/index.js';
import type { WebSiteService } from '../web/index.js';
import { adminRoutes } from './admin-routes.js';
import type { AdminRoute } from './admin-route.js';
import { certificateRoutes } from './certificate-routes.js';
import { clientActionRoutes } from './client-action-routes.js';
import { consoleRoutes } from './console-routes.js';
import { directoryRoutes } from './directory-routes.js';
import { firewallRoutes } from './firewall-routes.js';
import { hierarchyRoutes } from './hierarchy-routes.js';
import { managementPointRoutes } from './management-point-routes.js';
import { notifyRoutes } from './notify-routes.js';
import { pushRoutes } from './push-routes.js';
import { registrationRoutes } from './registration-routes.js';
import { reachabilityRoutes } from './reachability-routes.js';
import { rolloutRoutes } from './rollout-routes.js';
import { windowRoutes } from './window-routes.js';
import type { MaintenanceWindows } from '../windows/index.js';
import type { SiteServices } from './site-services.js';
import { tokenRoutes } from './token-routes.js';
import { gatewayRoutes } from './gateway-routes.js';
import type { GatewaySettings, GatewaySite } from '../gateway/index.js';
import { upgradeRoutes } from './upgrade-routes.js';
import type { UpgradeService } from '../upgrade/index.js';
import { webSiteRoutes } from './web-site-routes.js';

/** The services behind a site server's admin API. */
export interface SiteRouteServices {
  siteCode: string;
  site: SiteServices;
  registration: RegistrationService;
  rollouts: RolloutService;
  /** Client collections and maintenance windows (decision 0114). */
  windows: MaintenanceWindows;
  push: PushService;
  directory: DirectoryService;
  hierarchy: HierarchyService;
  /** This server's own admin URL (known once it listens). */
  adminUrl: () => string;
  web: WebSiteService;
  firewall: FirewallService;
  notify: NotifyService;
  cluster: SiteCluster;
  accounts: ConsoleAccounts;
  users: ConsoleUserAdmin;
  tokens: ApiTokens;
  certificates: CertificateService;
  reachability: ReachabilityService;
  /** The gateway setting and what a gateway process reads (decision 0113). */
  gateway: { settings: GatewaySettings; site: GatewaySite };
  upgrades: UpgradeService;
}

/** Every route of a site server's admin API (`/api/v1`), in the order OpenAPI lists them. */
export function siteRoutes(s: SiteRouteServices): AdminRoute[] {
  return [
    ...adminRoutes(s.site),
    ...registrationRoutes(s.registration),
    ...clientActionRoutes(s.registration),
    ...rolloutRoutes(s.rollouts),
    ...windowRoutes(s.windows),
    ...reachabilityRoutes(s.reachability, (code) => s.site.ports.site(code)),
    ...pushRoutes(s.push),
    ...directoryRoutes(s.directory),
    ...hierarchyRoutes(s.hierarchy, s.adminUrl),
    ...webSiteRoutes(s.web),
    ...firewallRoutes(s.firewall),
    ...notifyRoutes(s.notify, s.siteCode),
    ...managementPointRoutes(s.cluster, (code) => s.site.ports.site(code)),
    ...consoleRoutes(s.accounts, s.users),
    ...tokenRoutes(s.tokens),
    ...certificateRoutes(s.certificates),
    ...gatewayRoutes(s.gateway.settings, s.gateway.site),
    ...upgradeRoutes(s.upgrades),
  ];
}
