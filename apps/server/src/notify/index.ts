export { hubPresence } from './hub-presence.js';
export { type NotificationHub } from './notification-hub.js';
export type { NotifyLiveness } from './notification-listener.js';
export { type NotifyService } from './notify-service.js';
export { createNotifyParts, type NotifyParts } from './notify-wiring.js';
export { RemoteNotify } from './remote-notify.js';
