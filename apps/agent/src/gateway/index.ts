export {
  type ClientGateway,
  adoptGateway,
  gatewayConfigProblem,
  gatewayEndpoint,
  relayedByGateway,
} from './gateway-endpoint.js';
