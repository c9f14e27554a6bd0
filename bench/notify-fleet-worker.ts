// One process of the simulated notification fleet (bench/notify-fleet.ts forks several so no
// process nears the 20,000-descriptor limit). Every simulated client speaks the real protocol:
// `tcp` — TLS to the notification port, signs the challenge, pings, acks actions;
// `poll` — signed HTTPS long-polls of /mp/v1/notify/poll, acks in the next poll;
// `bare` — a TLS connection that only holds (the baseline).
import { createHash, createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import {
  FrameDecoder,
  SIGNATURE_HEADERS,
  canonicalRequest,
  encodeFrame,
  framePayloadJson,
  notifyAuthString,
} from '@siteport/protocol';

interface WorkerConfig {
  mode: 'tcp' | 'poll' | 'bare';
  host: string;
  port: number;
  caFile: string;
  keysFile: string;
  pollWaitSeconds: number;
  concurrency: number;
}

const config = JSON.parse(process.env.NOTIFY_WORKER ?? '{}') as WorkerConfig;
const ca = readFileSync(config.caFile, 'utf8');
const keys = (JSON.parse(readFileSync(config.keysFile, 'utf8')) as { id: string; key: string }[]).map((k) => ({
  id: k.id,
  key: createPrivateKey({ key: Buffer.from(k.key, 'base64'), format: 'der', type: 'pkcs8' }),
}));
const received: number[] = [];
let connected = 0;
let failed = 0;
const send = (message: unknown): void => void process.send?.(message);
const now = (): number => Date.now();

function tcpClient(id: string, key: KeyObject): Promise<void> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: config.host, port: config.port, ca });
    const decoder = new FrameDecoder();
    let ready = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!ready) {
        failed += 1;
        resolve();
      }
    });
    if (config.mode === 'bare') {
      socket.on('secureConnect', () => {
        ready = true;
        connected += 1;
        resolve();
      });
      return;
    }
    let pinger: NodeJS.Timeout | undefined;
    socket.on('close', () => clearInterval(pinger));
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === 'challenge') {
          const c = framePayloadJson(frame) as { siteCode: string; nonce: string };
          const signature = sign(null, Buffer.from(notifyAuthString(c.siteCode, id, c.nonce)), key).toString('base64');
          socket.write(encodeFrame('auth', { clientId: id, signature }));
        } else if (frame.type === 'ready') {
          ready = true;
          connected += 1;
          const { keepAliveSeconds } = framePayloadJson(frame) as { keepAliveSeconds: number };
          pinger = setInterval(() => socket.write(encodeFrame('ping')), keepAliveSeconds * 1000);
          resolve();
        } else if (frame.type === 'action') {
          received.push(now());
          socket.write(encodeFrame('ack', { id: (framePayloadJson(frame) as { id: string }).id, ok: true }));
        }
      }
    });
  });
}

const pollAgent = new https.Agent({ keepAlive: true, maxSockets: Infinity, ca });

function pollClient(id: string, key: KeyObject): Promise<void> {
  const path = '/mp/v1/notify/poll';
  let acks: { id: string; ok: boolean }[] = [];
  let first = true;
  return new Promise((resolve) => {
    const poll = (): void => {
      const body = JSON.stringify({ waitSeconds: config.pollWaitSeconds, acks });
      acks = [];
      const timestamp = String(Date.now());
      const nonce = randomBytes(16).toString('base64url');
      const bodySha256 = createHash('sha256').update(body).digest('hex');
      const signature = sign(null, Buffer.from(canonicalRequest({ method: 'POST', path, clientId: id, timestamp, nonce, bodySha256 })), key).toString('base64');
      const req = https.request(
        {
          host: config.host,
          port: config.port,
          path,
          method: 'POST',
          agent: pollAgent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            [SIGNATURE_HEADERS.client]: id,
            [SIGNATURE_HEADERS.timestamp]: timestamp,
            [SIGNATURE_HEADERS.nonce]: nonce,
            [SIGNATURE_HEADERS.signature]: signature,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { actions?: { id: string }[] };
            if (answer.actions !== undefined && answer.actions.length > 0) {
              received.push(now());
              acks = answer.actions.map((a) => ({ id: a.id, ok: true }));
            }
            poll();
          });
        },
      );
      req.on('error', () => {
        if (first) {
          failed += 1;
          first = false;
          resolve();
        }
      });
      // The request is on the wire once its socket is assigned; count the client as connected then.
      req.on('socket', (socket) => {
        const counted = (): void => {
          if (first) {
            first = false;
            connected += 1;
            resolve();
          }
        };
        if (socket.connecting) socket.once('secureConnect', counted);
        else setImmediate(counted);
      });
      req.end(body);
    };
    poll();
  });
}

async function connectAll(): Promise<void> {
  const started = Date.now();
  let next = 0;
  const open = config.mode === 'poll' ? pollClient : tcpClient;
  const lane = async (): Promise<void> => {
    while (next < keys.length) {
      const k = keys[next++]!;
      await open(k.id, k.key);
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, lane));
  send({ type: 'connected', connected, failed, seconds: (Date.now() - started) / 1000 });
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') send({ type: 'received', received });
  if (message.type === 'exit') process.exit(0);
});
void connectAll();
