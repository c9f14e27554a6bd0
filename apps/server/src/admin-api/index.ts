export { AdminApi } from './admin-api.js';
export { type AdminRoute } from './admin-route.js';
export { adminRoutes } from './admin-routes.js';
export { HostAllowList } from './host-allow-list.js';
export { openApiDocument } from './openapi.js';
export { siteRoutes } from './site-routes.js';
export { SiteServices } from './site-services.js';
