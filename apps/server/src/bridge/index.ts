export { BridgeRequests } from './bridge-requests.js';
export { type EventBridge, type ReceivedEvent } from './event-bridge.js';
export { PostgresEventBridge } from './postgres/postgres-event-bridge.js';
export { relaySiteEvents } from './site-events-relay.js';
