export { GatewayClientKeys, type ClientKeySource } from './client-keys.js';
export { type GatewayOptions, type GatewayOptionsInput, parseGatewayOptions } from './gateway-options.js';
export { GatewayServer, type GatewayState } from './gateway-server.js';
export { GatewaySettings, gatewayAddress } from './gateway-settings.js';
export { GatewaySite } from './gateway-site.js';
export { Relay } from './relay.js';
export { relayKind } from './relay-rules.js';
export { Upstreams } from './upstreams.js';
export { createGatewayVerifier } from './gateway-verifier.js';
