import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FRAME_TYPES, type FrameType, encodeFrame } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { TestMpClient, call } from '../../../test-support/mp-client.js';

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.SITEPORT_FUZZ_SEED ?? 20261203);
const random = generator(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));

const STRINGS = [
  '',
  'a',
  '0',
  '-1',
  '65536',
  '8080',
  'null',
  'true',
  '%',
  '%zz',
  '\u0000',
  '\u001b[2J',
  '\u202e',
  '/x; sh #',
  'é',
  '\ud800',
  'A'.repeat(300),
];
/** A JSON-ish value: nested objects, arrays, numbers of every kind, hostile strings. */
function value(depth = 0): unknown {
  switch (int(depth > 3 ? 4 : 7)) {
    case 0:
      return pick([0, -1, 1.5, 65535, 65536, 1e308, Number.MAX_SAFE_INTEGER + 2, 80, 443]);
    case 1:
      return pick(STRINGS);
    case 2:
      return pick([null, true, false]);
    case 3:
      return pick(['http', 'https', 'notification', 'wake', 'default', 'alternate', 'ports', 'PS1']);
    case 4:
      return Array.from({ length: int(4) }, () => value(depth + 1));
    default: {
      const keys = [
        'http',
        'https',
        'notification',
        'wake',
        'default',
        'alternate',
        'siteCode',
        'hostname',
        'publicKey',
        'stateDir',
        'agentState',
        'settingsVersion',
        'url',
        'password',
        'role',
        'sites',
        '__proto__',
        'constructor',
        'results',
        'actions',
        'mode',
      ];
      return Object.fromEntries(Array.from({ length: 1 + int(5) }, () => [pick(keys), value(depth + 1)]));
    }
  }
}

/** A request body: JSON, JSON cut short, JSON with a flipped byte, or random bytes. */
function body(): Buffer {
  const json = Buffer.from(JSON.stringify(value()));
  switch (int(4)) {
    case 0:
      return json;
    case 1:
      return json.subarray(0, int(json.length));
    case 2: {
      const copy = Buffer.from(json);
      if (copy.length > 0) copy[int(copy.length)] = int(256);
      return copy;
    }
    default:
      return bytes(int(200));
  }
}

/** Sends one raw request; resolves with its status (0 when the server closed the connection instead). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

async function inBatches<T>(count: number, width: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += width) {
    results.push(
      ...(await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, k) => one(start + k)))),
    );
  }
  return results;
}

const MP_PATHS = [
  '/mp/v1/register',
  '/mp/v1/heartbeat',
  '/mp/v1/policy',
  '/mp/v1/session',
  '/mp/v1/probe-report',
  '/mp/v1/notify/poll',
  '/mp/v1/inventory',
  '/mp/v1/ca',
  '/mp/v1/%zz',
  '/mp/v1/../admin',
  '//',
  '/mp/v1/policy?x=%',
  '/ccmsetup',
];
const ADMIN_ROUTES: [string, string][] = [
  ['PATCH', '/api/v1/sites/PS1/ports'],
  ['POST', '/api/v1/sites/PS1/impact'],
  ['PUT', '/api/v1/sites/PS1/directory'],
  ['PATCH', '/api/v1/sites/PS1/push/settings'],
  ['POST', '/api/v1/sites/PS1/push/hosts'],
  ['PATCH', '/api/v1/sites/PS1/registration'],
  ['POST', '/api/v1/tokens'],
  ['POST', '/api/v1/console/users'],
  ['POST', '/api/v1/notify'],
  ['POST', '/api/v1/sites/%zz/ports'],
  ['GET', '/api/v1/audit?limit=%'],
];

test(`random requests to the request ports and the admin API and random frames to the notification port crash nothing, never answer 500, and change nothing (seed ${SEED})`, async (t) => {
  const srv = await startTestServer(t, { siteCode: 'PS1' });
  const { http: httpPorts, notification } = srv.server.info.ports;
  const before = (await srv.admin<{ version: number }>('GET', '/sites/PS1/ports')).body.version;

  const mpStatuses = await inBatches(400, 20, () => {
    const headers: Record<string, string> = {
      'content-type': pick(['application/json', 'application/json; charset=utf-8', 'text/plain', '']),
    };
    for (const name of [
      'x-siteport-client',
      'x-siteport-timestamp',
      'x-siteport-nonce',
      'x-siteport-signature',
      'x-siteport-session',
      'x-siteport-mac',
    ]) {
      if (random() < 0.5)
        headers[name] = pick([...STRINGS.filter((s) => !/[\u0000-\u001f\u007f-\uffff]/.test(s)), String(Date.now())]);
    }
    const method = pick(['GET', 'POST', 'POST', 'PUT', 'DELETE']);
    return send(httpPorts.default, method, pick(MP_PATHS), headers, method === 'GET' ? undefined : body());
  });
  const adminPort = new URL(srv.adminUrl).port;
  const adminStatuses = await inBatches(300, 10, () => {
    const [method, path] = pick(ADMIN_ROUTES);
    return send(
      Number(adminPort),
      method,
      path,
      { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
      method === 'GET' ? undefined : body(),
    );
  });

  const ca = readFileSync(path.join(srv.dataDir, 'pki', 'ca.pem'), 'utf8');
  const frameTypes = Object.keys(FRAME_TYPES) as FrameType[];
  await inBatches(
    120,
    20,
    () =>
      new Promise<void>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: notification, ca, servername: 'localhost' });
        const done = (): void => {
          clearTimeout(timer);
          socket.destroy();
          resolve();
        };
        const timer = setTimeout(done, 2000);
        socket.on('error', done);
        socket.on('close', done);
        socket.on('data', () => undefined);
        socket.on('secureConnect', () => {
          const parts = 1 + int(6);
          for (let i = 0; i < parts; i++) {
            const frame =
              random() < 0.5 ? bytes(1 + int(300)) : Buffer.from(encodeFrame(pick(frameTypes), value() as object));
            if (random() < 0.3 && frame.length > 2) frame[int(frame.length)] = int(256);
            socket.write(frame);
          }
          setTimeout(done, 200);
        });
      }),
  );

  assert.deepEqual([...new Set(mpStatuses.filter((s) => s >= 500))], [], 'no request-port answer is a server error');
  assert.deepEqual([...new Set(adminStatuses.filter((s) => s >= 500))], [], 'no admin answer is a server error');
  assert.ok(
    mpStatuses.filter((s) => s >= 400 && s < 500).length > 300,
    'most random client requests are refused as bad input',
  );
  assert.equal(srv.server.state, 'running');
  assert.equal(
    (await srv.admin<{ version: number }>('GET', '/sites/PS1/ports')).body.version,
    before,
    'no random body changed the port settings',
  );

  // An honest client still gets in afterwards.
  const client = new TestMpClient();
  const registration = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'honest.example',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '0.1.0',
    }),
  );
  const registered = await call(`http://127.0.0.1:${httpPorts.default}/mp/v1/register`, {
    method: 'POST',
    body: registration,
    headers: client.signedHeaders('POST', '/mp/v1/register', registration),
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
});
