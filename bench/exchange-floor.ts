// What one exchange costs a bare Node.js server: an HTTPS request and its answer on a keep-alive
// connection (what a long-poll cycle is at least), against a TLS frame and its answer (what a
// ping or an action and its ack are at least). Measured in a burst, like a fan-out.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { cpuOf, stopProcess, waitOutput } from './bench-process.js';

const SERVER = fileURLToPath(new URL('./bare-exchange-server.mjs', import.meta.url));
const POLL_BODY = Buffer.from('{"waitSeconds":110,"acks":[]}');
/** The headers an agent's poll carries (client, timestamp, nonce, session, MAC), with realistic lengths. */
const POLL_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(POLL_BODY.length),
  accept: 'application/json',
  'x-siteport-client': 'bench-000001',
  'x-siteport-timestamp': '1795716704719',
  'x-siteport-nonce': 'AAAAAAAAAAAAAAAAAAAAAA',
  'x-siteport-session': 'AAAAAAAAAAAAAAAAAAAAAA',
  'x-siteport-mac': 'A'.repeat(43),
};
const PING = Buffer.from([0, 0, 0, 2, 1, 4]);
/** Measured bursts: /proc counts CPU in 10 ms ticks. */
const ROUNDS = 3;

export interface ExchangeFloor {
  connections: number;
  /** Server CPU per exchange, µs. */
  tlsUs: number;
  httpsUs: number;
}

async function measure(dir: string, mode: 'https' | 'tls', connections: number): Promise<number> {
  const child = spawn(process.execPath, [SERVER, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = Number((await waitOutput(child, /port (\d+)/))[1]);
    const ca = readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8');
    let exchange: (i: number) => Promise<void>;
    if (mode === 'https') {
      const agents = Array.from({ length: connections }, () => new https.Agent({ keepAlive: true, maxSockets: 1, ca }));
      exchange = (i) =>
        new Promise((resolve, reject) => {
          const req = https.request(
            {
              host: '127.0.0.1',
              port,
              path: '/mp/v1/notify/poll',
              method: 'POST',
              agent: agents[i],
              headers: POLL_HEADERS,
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
          req.end(POLL_BODY);
        });
    } else {
      const sockets: tls.TLSSocket[] = [];
      for (let i = 0; i < connections; i += 1) {
        const socket = tls.connect({ host: '127.0.0.1', port, ca });
        await new Promise((resolve) => socket.once('secureConnect', resolve));
        sockets.push(socket);
      }
      exchange = (i) =>
        new Promise((resolve) => {
          sockets[i]!.once('data', () => resolve());
          sockets[i]!.write(PING);
        });
    }
    const burst = (): Promise<void[]> => Promise.all(Array.from({ length: connections }, (_, i) => exchange(i)));
    // The first burst opens the HTTPS connections and warms both servers up; the second is measured.
    await burst();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = cpuOf(child.pid!);
    for (let round = 0; round < ROUNDS; round += 1) await burst();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return ((cpuOf(child.pid!) - before) * 1e6) / (connections * ROUNDS);
  } finally {
    await stopProcess(child);
  }
}

/** Server CPU per exchange of a bare TLS server and a bare HTTPS server, `connections` at once. */
export async function exchangeFloor(dir: string, connections: number): Promise<ExchangeFloor> {
  const tlsUs = await measure(dir, 'tls', connections);
  const httpsUs = await measure(dir, 'https', connections);
  return { connections, tlsUs, httpsUs };
}
