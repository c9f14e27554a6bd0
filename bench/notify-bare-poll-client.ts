// A simulated client of the bare long-poll baseline (bench/bare-https-poll-server.mjs): the same
// request as an agent's poll — path, body and headers of the same lengths — and a new poll as
// soon as the answer came, over the worker's keep-alive agent, as bench/fleet-poll-client.ts does.
import { randomBytes } from 'node:crypto';
import type https from 'node:https';
import { request } from 'node:https';
import { POLL_PATH } from '@siteport/protocol';
import type { FleetClientContext } from './fleet-client-context.js';
import type { FleetTarget } from './fleet-plan.js';

const RETRY_MS = 1000;

export class BarePollClient {
  private readonly body: Buffer;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly ctx: FleetClientContext,
    private readonly agent: https.Agent,
    private readonly target: FleetTarget,
    id: string,
  ) {
    this.body = Buffer.from(JSON.stringify({ waitSeconds: ctx.pollWaitSeconds, acks: [] }));
    // What sessionHeaders() sends: client, timestamp, nonce, session and MAC, with their lengths.
    this.headers = {
      'content-type': 'application/json',
      'content-length': String(this.body.length),
      'x-siteport-client': id,
      'x-siteport-timestamp': String(Date.now()),
      'x-siteport-nonce': randomBytes(16).toString('base64url'),
      'x-siteport-session': randomBytes(16).toString('base64url'),
      'x-siteport-mac': randomBytes(32).toString('base64url'),
    };
  }

  /** Sends the first poll; null once its connection is up (TLS done), else why not. */
  start(): Promise<string | null> {
    return new Promise((resolve) => this.poll(resolve));
  }

  /** One poll, held by the server for the wait; `sent` hears when it went out or failed. */
  private poll(sent?: (reason: string | null) => void): void {
    this.ctx.event();
    const req = request(
      { host: this.target.host, port: this.target.port, path: POLL_PATH, method: 'POST', agent: this.agent },
      (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          this.ctx.defer(() => this.poll());
        });
      },
    );
    for (const [name, value] of Object.entries(this.headers)) req.setHeader(name, value);
    const limit = this.ctx.pollWaitSeconds * 1000 + 20_000;
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${limit} ms`)), limit);
    if (sent !== undefined)
      req.on('socket', (socket) => {
        if (req.reusedSocket) sent(null);
        else socket.once('secureConnect', () => sent(null));
      });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (sent !== undefined) {
        sent(error.message);
        return;
      }
      this.ctx.lost(`poll error ${(error as NodeJS.ErrnoException).code ?? error.message}`);
      setTimeout(() => this.poll(), RETRY_MS);
    });
    req.end(this.body);
  }
}
