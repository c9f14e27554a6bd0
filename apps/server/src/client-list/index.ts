export { clientListRoutes } from './client-list-routes.js';
export { ClientListService, CHANNEL_SCAN_BUDGET } from './client-list-service.js';
export { ClientPageRepository } from './client-page-repository.js';
export { SqliteClientCounts } from './sqlite-client-counts.js';
export { type ClientPresence, NO_PRESENCE, hubPresence } from './client-presence.js';
export { ClientListParams, checkClientListQuery, type ClientListQuery } from './client-list-query.js';
