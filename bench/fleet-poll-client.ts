// A simulated client on the HTTPS long-poll: opens a client session with a signed request, then
// long-polls with the session MAC, acknowledging in the next poll — what the agent does.
import type { KeyObject } from 'node:crypto';
import https from 'node:https';
import { type ClientSession, createRequestSigner, sessionHeaders, startClientSession } from '@siteport/agent';
import { CLIENT_SESSION_PATH, type ClientSessionResponse, type NotifyAck, POLL_PATH } from '@siteport/protocol';
import type { FleetClientContext } from './fleet-client-context.js';
import type { FleetTarget } from './fleet-plan.js';
import { EPOCH_HEADER, epochOf, noteEpoch } from './mp-epochs.js';

const RETRY_MS = 1000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** When the last byte arrived (epoch ms). */
  at: number;
}

function post(
  agent: https.Agent,
  target: FleetTarget,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: target.host,
        port: target.port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          noteEpoch(target.host, res.headers[EPOCH_HEADER]);
          const at = Date.now();
          clearTimeout(timer);
          try {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
              at,
            });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

export class FleetPollClient {
  private session: ClientSession | undefined;
  private acks: NotifyAck[] = [];

  constructor(
    private readonly ctx: FleetClientContext,
    private readonly agent: https.Agent,
    private readonly target: FleetTarget,
    private readonly id: string,
    private readonly key: KeyObject,
  ) {}

  /** Opens the session and sends the first poll; null when it did, else why not. */
  async start(): Promise<string | null> {
    try {
      await this.openSession();
    } catch (error) {
      return `session: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.poll();
    return null;
  }

  private async openSession(): Promise<void> {
    const pending = startClientSession(this.id);
    const body = Buffer.from(JSON.stringify({ publicKey: pending.publicKey }));
    const send = () => {
      const epoch = epochOf(this.target.host);
      const headers = createRequestSigner(
        this.id,
        this.key,
      )({
        method: 'POST',
        path: CLIENT_SESSION_PATH,
        body,
        host: this.target.host,
        ...(epoch === undefined ? {} : { epoch }),
      });
      return post(this.agent, this.target, CLIENT_SESSION_PATH, body, headers, this.ctx.connectTimeoutMs);
    };
    let answer = await send();
    // Bound to no or an old epoch (the MP process started since): once more with the one it named (decision 0092).
    if ((answer.body.error as { code?: string } | undefined)?.code === 'E_MP_EPOCH') answer = await send();
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    this.session = pending.finish(answer.body as unknown as ClientSessionResponse);
  }

  private poll(): void {
    const session = this.session;
    if (session === undefined) return;
    const acks = this.acks;
    this.acks = [];
    const body = Buffer.from(JSON.stringify({ waitSeconds: this.ctx.pollWaitSeconds, acks }));
    this.ctx.event();
    if (acks.length > 0) this.ctx.acked(acks.length);
    post(
      this.agent,
      this.target,
      POLL_PATH,
      body,
      sessionHeaders(session, 'POST', POLL_PATH, body),
      this.ctx.pollWaitSeconds * 1000 + 20_000,
    ).then(
      (answer) => {
        if (answer.status === 200) {
          const actions = (answer.body.actions ?? []) as { id: string }[];
          if (actions.length > 0) {
            this.ctx.received(answer.at);
            this.acks = actions.map((a) => ({ id: a.id, ok: true }));
          }
          this.ctx.defer(() => this.poll());
          return;
        }
        this.acks = acks;
        const code = (answer.body.error as { code?: string } | undefined)?.code;
        if (code === 'E_SESSION_EXPIRED' || code === 'E_BAD_SESSION_MAC') {
          this.openSession().then(
            () => this.poll(),
            () => this.retry(),
          );
          return;
        }
        this.retry();
      },
      () => {
        this.acks = acks;
        this.retry();
      },
    );
  }

  private retry(): void {
    this.ctx.lost('poll failed');
    setTimeout(() => this.poll(), RETRY_MS);
  }
}
