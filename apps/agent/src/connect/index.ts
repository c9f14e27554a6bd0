/** How the agent reaches a management point: endpoint order with the gateway fallback, and Happy Eyeballs connections. */
export { type Route } from './endpoint-order.js';
export { type Exchanged } from './http-exchange.js';
export { MpConnector, type MpConnectorOptions, type Send } from './mp-connector.js';
