export { type GatewayOptionsInput } from './gateway-options.js';
export { GatewayServer } from './gateway-server.js';
export { GatewaySettings, gatewayAddress } from './gateway-settings.js';
export { GatewaySite } from './gateway-site.js';
