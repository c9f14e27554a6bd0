// `npm run bench`: runs siteport's benchmarks and prints their results table (markdown).
// Options: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), BENCH_CLIENTS (default 200).
import os from 'node:os';
import { mpThroughput } from './mp-throughput.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const clients = Number(process.env.BENCH_CLIENTS ?? 200);

const rows = await mpThroughput({ seconds, connections, clients });
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n## MP request throughput (${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version})`);
console.log(`autocannon, ${connections} connections, ${seconds} s per run, ${clients} registered simulated clients, every request freshly Ed25519-signed by the load generator; plain HTTP on loopback.\n`);
console.log('| endpoint | bare node:http (req/s) | siteport MP (req/s) | ratio (target ≥ 0.8) |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.endpoint} | ${r.bare.toFixed(0)} | ${r.mp.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
