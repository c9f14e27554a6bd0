export { type RegistryTiming } from './mp-registry.js';
export { SiteCluster } from './site-cluster.js';
