import { existsSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import type { StateStore } from './state-store.js';

/**
 * How a running agent is told to reload client.json: `sighup` where POSIX signals exist;
 * `request-file` on Windows, which has no SIGHUP (there `process.kill(pid, 'SIGHUP')` would end
 * the agent), so the sender writes `reload.request` into the state directory and the agent,
 * which polls for it on every platform, removes it and reloads.
 */
export type ReloadDelivery = 'sighup' | 'request-file';

/** The delivery a sender uses on `platform`. */
export function reloadDeliveryFor(platform: NodeJS.Platform): ReloadDelivery {
  return platform === 'win32' ? 'request-file' : 'sighup';
}

/** What {@link listenForReloads} needs of `process` (injected in unit tests). */
interface SignalSource {
  on(signal: 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGHUP', listener: () => void): unknown;
}

/** Options of {@link listenForReloads}. */
export interface ReloadListenerOptions {
  store: StateStore;
  onReload: () => void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default process */
  signals?: SignalSource;
  /**
   * How often the request file is looked for, in milliseconds.
   * @default 1000
   */
  pollMs?: number;
}

/**
 * Agent side: calls `onReload` on SIGHUP (not on Windows, where a closed console raises it) and
 * whenever a reload request file appears in the state directory. A request file already there at
 * start is taken as a request. Returns the function that stops listening.
 */
export function listenForReloads(options: ReloadListenerOptions): () => void {
  const platform = options.platform ?? process.platform;
  const signals = options.signals ?? process;
  const file = options.store.file('reloadRequest');
  const onHangup = (): void => options.onReload();
  const useSignal = reloadDeliveryFor(platform) === 'sighup';
  if (useSignal) signals.on('SIGHUP', onHangup);
  const poll = (): void => {
    if (!existsSync(file)) return;
    // Removed before the reload: a request written while the reload runs is seen at the next poll.
    rmSync(file, { force: true });
    options.onReload();
  };
  const timer = setInterval(poll, options.pollMs ?? 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (useSignal) signals.off('SIGHUP', onHangup);
  };
}

/** What {@link requestReload} needs to signal a process (injected in unit tests). */
export type Kill = (pid: number, signal: NodeJS.Signals) => unknown;

/**
 * Sender side (`siteport portswitch`): asks the agent `pid` holding `store` to reload, by SIGHUP or
 * by the request file as {@link reloadDeliveryFor} says. Returns false when the agent is gone.
 */
export function requestReload(
  store: StateStore,
  pid: number,
  platform: NodeJS.Platform = process.platform,
  kill: Kill = process.kill.bind(process),
): boolean {
  if (reloadDeliveryFor(platform) === 'request-file') {
    writeFileAtomicSync(
      store.file('reloadRequest'),
      `${JSON.stringify({ at: new Date().toISOString(), by: process.pid })}\n`,
      0o600,
    );
    return true;
  }
  try {
    kill(pid, 'SIGHUP');
    return true;
  } catch {
    return false;
  }
}
