import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentLauncher } from './launcher.js';

/**
 * `siteport-agent launch --state DIR [agent options…]`: runs the agent under its launcher until
 * SIGTERM/SIGINT, which it passes on. The agent setup installed is this script itself (the
 * bundle's `siteport-agent.mjs`); upgrades live in `DIR/versions/`. Resolves with the exit code.
 */
export async function launchAgent(stateDir: string, extra: readonly string[]): Promise<number> {
  const state = path.resolve(stateDir);
  const baseScript = process.argv[1] ?? fileURLToPath(import.meta.url);
  const launcher = new AgentLauncher({
    stateDir: state,
    baseScript,
    args: ['agent', '--state', state, ...extra],
    onState: (to, detail) =>
      process.stderr.write(`${JSON.stringify({ component: 'launcher', state: to, ...detail })}\n`),
  });
  const stop = (): void => launcher.stop();
  // systemctl reload sends SIGHUP to the launcher (the unit's main process); the agent reloads on it.
  const reload = (): void => launcher.signal('SIGHUP');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.platform !== 'win32') process.on('SIGHUP', reload);
  try {
    return await launcher.run();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', reload);
  }
}
