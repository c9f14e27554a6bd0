export * from './notify-frame.js';
export * from './notify-actions.js';
export * from './ipv4-subnet.js';
export * from './notify-admin.js';
