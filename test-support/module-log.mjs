// Preloaded with `node --import` by apps/cli/test/cli-start.test.ts: appends the URL of every module the process
// resolves through the ESM loader to the file named by SITEPORT_MODULE_LOG, one per line.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

/** Loader hook: passes every resolution on unchanged and records its result. */
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const log = process.env.SITEPORT_MODULE_LOG;
  if (log !== undefined) appendFileSync(log, `${result.url}\n`);
  return result;
}
