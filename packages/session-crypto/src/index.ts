export { ephemeralX25519 } from './ephemeral-x25519.js';
