export { DataRetention } from './data-retention.js';
