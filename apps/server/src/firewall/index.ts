export { FirewallService } from './firewall-service.js';
