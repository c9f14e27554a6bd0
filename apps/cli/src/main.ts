import { exitQuietlyOnClosedPipe } from '@siteport/protocol';
import { runCli } from './run-cli.js';

exitQuietlyOnClosedPipe();
process.exitCode = await runCli(process.argv.slice(2));
