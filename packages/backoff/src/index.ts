/** @siteport/backoff: retry delays with full jitter, and periods spread so that a fleet does not act in step. */
export { type BackoffPolicy, backoffDelay } from './backoff-delay.js';
export { spreadEarlier, spreadLater } from './spread.js';
