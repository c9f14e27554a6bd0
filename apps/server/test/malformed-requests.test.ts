import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { PortsView, RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { startTestServer } from '../../../test-support/test-server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

interface RawAnswer {
  head: string;
  body: string;
  /** Whether the server closed the connection (within the wait). */
  closed: boolean;
  /** Body bytes the client got onto the wire before the answer. */
  sent: number;
}

/**
 * A hostile HTTP/1.1 peer: sends `head`, then `body` bytes or, with `stream`, chunk after chunk
 * with no Content-Length, reading all the while; stops sending at the first answer byte or after
 * `stream.maxBytes`, and waits up to `waitMs` for the server to close.
 */
function rawRequest(
  port: number,
  head: string,
  options: { body?: Buffer; stream?: { maxBytes: number }; waitMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    let answered = false;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      resolve({
        head: split < 0 ? text : text.slice(0, split),
        body: split < 0 ? '' : text.slice(split + 4),
        closed,
        sent,
      });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 10_000);
    socket.on('data', (d: Buffer) => {
      answered = true;
      received = Buffer.concat([received, d]);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (error) => (answered ? finish(true) : reject(error)));
    socket.write(head);
    if (options.body !== undefined) socket.write(options.body);
    if (options.stream !== undefined) {
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        if (answered || socket.destroyed || sent >= options.stream!.maxBytes) return;
        sent += chunk.length;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write('\r\n', () => setImmediate(pump));
      };
      pump();
    }
  });
}

function status(answer: RawAnswer): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.head)?.[1] ?? 0);
}

function errorCode(answer: RawAnswer): string | undefined {
  return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
}

async function site(
  t: Parameters<typeof startTestServer>[0],
): Promise<{ s: Server; adminPort: number; ports: PortsView }> {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  return { s, adminPort: Number(new URL(s.adminUrl).port), ports };
}

test('a malformed %-escape or a target that is no URL path answers 400 E_BAD_REQUEST, not 500', async (t) => {
  const { s, adminPort, ports } = await site(t);
  const bad = await s.admin('GET', '/sites/%E0%A4%A/ports');
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal((bad.body as { error: { code: string } }).error.code, 'E_BAD_REQUEST');
  for (const target of ['/console/%ZZ', '//']) {
    const answer = await rawRequest(
      adminPort,
      `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
    );
    assert.equal(status(answer), 400, `${target}: ${answer.head}`);
    assert.equal(errorCode(answer), 'E_BAD_REQUEST');
    assert.doesNotMatch(answer.body, /at .*\.ts:\d+/, 'no stack trace');
  }
  const mp = await rawRequest(
    ports.http.default,
    'GET /mp/v1/%ZZ HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n',
  );
  assert.equal(status(mp), 404, mp.head);
});

test('an oversized chunked body without Content-Length gets a 413 answer on the admin API and the MP, then the connection closes', async (t) => {
  const { s, adminPort, ports } = await site(t);
  const targets = [
    {
      port: adminPort,
      head: `PATCH /api/v1/sites/PS1/ports HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${s.token}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
    },
    {
      port: ports.http.default,
      head: 'POST /mp/v1/heartbeat HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    },
  ];
  for (const target of targets) {
    const answer = await rawRequest(target.port, target.head, {
      stream: { maxBytes: 8 * 1024 * 1024 },
      waitMs: 15_000,
    });
    assert.equal(status(answer), 413, answer.head);
    assert.equal(errorCode(answer), 'E_PAYLOAD_TOO_LARGE');
    assert.match(answer.head, /\r\nconnection: close\r\n/i);
    assert.ok(answer.closed, 'the server closed the connection after the answer');
    assert.ok(answer.sent < 8 * 1024 * 1024, `the client stopped at the answer (${answer.sent} bytes sent)`);
  }
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1);
});

test('a JSON body without Content-Type: application/json answers 415 E_CONTENT_TYPE and changes nothing', async (t) => {
  const { s, ports } = await site(t);
  const res = await fetch(`${s.adminUrl}/api/v1/sites/PS1/ports`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'text/plain' },
    body: JSON.stringify({ wake: 9 }),
  });
  assert.equal(res.status, 415);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'E_CONTENT_TYPE');
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.wake, ports.wake);

  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'host-a',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '0.1.0',
    }),
  );
  const reg = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...client.signedHeaders('POST', '/mp/v1/register', body),
    },
  });
  assert.equal(reg.status, 415, JSON.stringify(reg.body));
  assert.equal(reg.body.error.code, 'E_CONTENT_TYPE');
  assert.equal((await s.server.db.selectFrom('clients').select('id').execute()).length, 0, 'nobody registered');
});

test('invalid UTF-8 in a body is refused with 400, not stored with replacement characters', async (t) => {
  const { s, ports } = await site(t);
  const invalid = Buffer.concat([
    Buffer.from('{"descriptions":{"http":"lab '),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from('"}}'),
  ]);
  const res = await fetch(`${s.adminUrl}/api/v1/sites/PS1/ports`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: invalid,
  });
  assert.equal(res.status, 400);
  const answer = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(answer.error.code, 'E_BAD_REQUEST');
  assert.match(answer.error.message, /UTF-8/);
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.descriptions.http, ports.descriptions.http);

  const client = new TestMpClient();
  const ok = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'host-a',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '0.1.0',
    }),
  );
  const reg = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body: ok,
    headers: client.signedHeaders('POST', '/mp/v1/register', ok),
  });
  client.clientId = (reg.body as RegisterResponse).clientId;
  const beat = Buffer.concat([
    Buffer.from('{"settingsVersion":1,"agentState":"running","hostname":"host-a","stateDir":"/var/lib/'),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from('"}'),
  ]);
  const refused = await call(`http://127.0.0.1:${ports.http.default}/mp/v1/heartbeat`, {
    method: 'POST',
    body: beat,
    headers: client.signedHeaders('POST', '/mp/v1/heartbeat', beat),
  });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'E_BAD_REQUEST');
});

test('ports given as JSON strings are refused by PATCH /sites/{code}/ports; numbers are taken', async (t) => {
  const { s, ports } = await site(t);
  for (const body of [
    { http: { default: String(ports.http.default + 1) } },
    { wake: '9' },
    { https: { alternate: '8443' } },
  ]) {
    const res = await s.admin<{ error: { code: string; message: string } }>('PATCH', '/sites/PS1/ports', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.code, 'E_VALIDATION');
    assert.match(
      res.body.error.message,
      /must be a whole number from 1 to 65535.*, got a string \(write the number without quotes\)/,
    );
  }
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, 1, 'nothing changed');
  const taken = await s.admin<{ ports: PortsView }>('PATCH', '/sites/PS1/ports', { wake: 9 });
  assert.equal(taken.status, 200);
  assert.equal(taken.body.ports.wake, 9);
});
