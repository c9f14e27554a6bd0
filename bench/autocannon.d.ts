// autocannon ships no types; this is the part of its API the benchmarks use.
declare module 'autocannon' {
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    requests?: Record<string, unknown>[];
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
