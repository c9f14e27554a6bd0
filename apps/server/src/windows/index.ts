export { CollectionRepository } from './collection-repository.js';
export { MaintenanceWindows } from './maintenance-windows.js';
export { type HeldPolicy, WindowGate } from './window-gate.js';
