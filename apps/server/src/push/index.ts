export { agentBundleSource, DEFAULT_AGENT_BUNDLE } from './agent-bundle-source.js';
export { PushRepository } from './push-repository.js';
export { PushService } from './push-service.js';
