/** How the agent reaches a management point: endpoint order with the gateway fallback, and Happy Eyeballs connections. */
export { type Route } from './endpoint-order.js';
export { MpConnector } from './mp-connector.js';
