// Preloaded (`--expose-gc --import`) into the benchmark's server processes only: SIGUSR2 runs a
// full garbage collection, so RSS is read with retained memory only, not garbage not yet collected.
process.on('SIGUSR2', () => globalThis.gc?.());
