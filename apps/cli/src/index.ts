export { buildProgram, runCli, EXIT } from './run-cli.js';
