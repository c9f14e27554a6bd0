import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one slice of a pass over the clients may run before other requests get a turn. */
const SLICE_MS = 8;

/**
 * Calls `visit` for each item, giving the event loop a turn whenever a slice has run for
 * {@link SLICE_MS}: a pass over 20,000 clients and 100 collections then delays other requests by
 * milliseconds, not by the length of the whole pass.
 */
export async function visitInSlices<T>(items: readonly T[], visit: (item: T) => void): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i += 1) {
    visit(items[i]!);
    if ((i & 127) === 127 && performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
