export { checkWebApplication } from './check-web-application.js';
export { WebApplications } from './web-applications.js';
export { WebHost } from './web-host.js';
export { defaultWebSiteOf } from './web-site-change.js';
export { WebSiteRepository } from './web-site-repository.js';
export { WebSiteService } from './web-site-service.js';
