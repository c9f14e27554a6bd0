export { bindError, testBind } from './bind-check.js';
export { openFileLimit } from './open-file-limit.js';
