import { SiteportError } from '@siteport/protocol';
import { Agent } from './agent.js';
import type { AgentOptions } from './agent-options.js';
import { listenForReloads } from './reload-requests.js';
import { StateStore } from './state-store.js';
import { RESTART_EXIT_CODE } from './upgrade/index.js';

/**
 * Runs the agent as this process's daemon (`siteport agent`): refuses to start when no client is
 * installed or another live agent holds the state directory, wires SIGTERM/SIGINT to a graceful
 * stop and SIGHUP (or, on every platform, a reload request file: see {@link listenForReloads}) to a
 * reload, and resolves once the agent has stopped.
 */
export async function runAgentProcess(
  options: AgentOptions,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const store = new StateStore(options.stateDir);
  if (!store.isInstalled()) {
    throw new SiteportError(
      'E_NOT_INSTALLED',
      `no siteport client is installed in ${store.dir}; run siteport setup --state ${store.dir} SMSMP=<management point>`,
    );
  }
  const other = store.liveAgentPid();
  if (other !== null && other !== process.pid) {
    throw new SiteportError(
      'E_OPTION',
      `another siteport agent (pid ${other}) is already running with state directory ${store.dir}; stop it first or use another --state`,
      { details: { pid: other } },
    );
  }
  let onStop = (): void => undefined;
  const agent = new Agent({
    ...options,
    // A new version is installed: stop and exit with the code that has the launcher start it.
    onRestart: () => {
      process.exitCode = RESTART_EXIT_CODE;
      onStop();
    },
  });
  const stopped = new Promise<void>((resolve, reject) => {
    onStop = () => {
      agent.stop().then(resolve, reject);
    };
  });
  process.once('SIGTERM', onStop);
  process.once('SIGINT', onStop);
  const stopListening = listenForReloads({ store, platform, onReload: () => agent.reload() });
  try {
    await agent.start();
    await stopped;
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    stopListening();
  }
}
