import { randomBytes, verify } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  AuthMessage,
  FrameDecoder,
  NotifyAck,
  type NotifyAction,
  type NotifyFrame,
  SiteportError,
  encodeFrame,
  framePayloadJson,
  invalidField,
  notifyAuthString,
} from '@siteport/protocol';
import type { ClientService } from '../clients/index.js';
import { publicKeyFromPem } from '../site/index.js';
import { FrameBudget } from './frame-budget.js';
import type { NotificationHub, TcpPeer } from './notification-hub.js';

/** Lifecycle of one connection: challenged → authenticating → ready → closed. */
export type SessionState = 'challenged' | 'authenticating' | 'ready' | 'closed';

/** What every session of a listener shares. */
export interface SessionContext {
  siteCode: string;
  hub: NotificationHub;
  clients: ClientService;
  keepAliveSeconds: number;
  /**
   * The kernel's TCP keep-alive watches every connection (liveness `tcp`): `ready` tells the agent
   * not to ping, and the hub counts the session online while it is open. @default false
   */
  tcpKeepAlive?: boolean;
  /** How long a new connection has to authenticate. @default 10000 */
  authTimeoutMs: number;
  logger: Logger;
  onClose: (session: NotifySession) => void;
  /** Output and input bounds of every session; {@link SESSION_LIMITS} unless a test says otherwise. */
  limits?: SessionLimits;
  /** Counts dropped sessions across the listener (logged with each drop). */
  counters: SessionCounters;
}

/** Bounds of one notification connection (decision 0091). */
export interface SessionLimits {
  /** Most bytes the socket may hold unsent; a client that leaves more unread is dropped. */
  maxPendingBytes: number;
  /** Frames a client may send per second on average… */
  framesPerSecond: number;
  /** …and at once. */
  frameBurst: number;
}

/** How many sessions were dropped for not reading, and for flooding, since the listener started. */
export interface SessionCounters {
  notReading: number;
  flooding: number;
}

/**
 * 256 KiB unsent is hundreds of actions (an action frame is a few hundred bytes, at most 16 KiB);
 * an honest agent reads every frame at once. 20 frames a second after a burst of 100 leaves an
 * agent room for a ping per keep-alive interval and an ack per action, and cuts a ping flood
 * within its first TLS record.
 */
const SESSION_LIMITS: SessionLimits = Object.freeze({
  maxPendingBytes: 256 * 1024,
  framesPerSecond: 20,
  frameBurst: 100,
});

const authCheck = TypeCompiler.Compile(AuthMessage);
const ackCheck = TypeCompiler.Compile(NotifyAck);
const rejectedChannel = diagnostics.channel('siteport:notify:rejected');
const droppedChannel = diagnostics.channel('siteport:notify:dropped');
/** Every pong is the same six bytes: encoded once, not per ping. */
const PONG = Buffer.from(encodeFrame('pong'));

/**
 * One client's TLS notification connection. The server speaks first with a challenge nonce; the
 * client proves its registered Ed25519 key by signing it; only then does the hub route actions to
 * it. Any protocol violation gets an `error` frame and the connection is closed — the listener and
 * the other sessions are unaffected. Both directions are bounded: a client that sends frames past
 * its {@link FrameBudget} is closed with `E_NOTIFY_RATE`, pings are answered with at most one pong
 * per read and none while earlier output is still unsent, and a client that leaves more than
 * `maxPendingBytes` unread is dropped at once (it reconnects; unacknowledged actions go out again).
 */
export class NotifySession implements TcpPeer {
  state: SessionState = 'challenged';
  readonly kernelKeepAlive: boolean;
  clientId: string | null = null;
  lastFrame = Date.now();
  private nonce: string | null;
  private readonly decoder = new FrameDecoder();
  private authTimer: NodeJS.Timeout | undefined;
  private readonly limits: SessionLimits;
  private readonly budget: FrameBudget;

  constructor(
    private readonly socket: TLSSocket,
    private readonly ctx: SessionContext,
  ) {
    this.nonce = randomBytes(24).toString('base64url');
    this.limits = ctx.limits ?? SESSION_LIMITS;
    this.kernelKeepAlive = ctx.tcpKeepAlive === true;
    this.budget = new FrameBudget(this.limits.framesPerSecond, this.limits.frameBurst, this.lastFrame);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClosed());
    this.authTimer = setTimeout(
      () =>
        this.fail(
          new SiteportError(
            'E_NOTIFY_AUTH',
            'no authentication within the time allowed; send an auth frame after the challenge',
          ),
        ),
      ctx.authTimeoutMs,
    );
    this.authTimer.unref();
    this.write(encodeFrame('challenge', { siteCode: ctx.siteCode, nonce: this.nonce }));
  }

  sendAction(_action: NotifyAction, frame: Uint8Array): void {
    this.write(frame);
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.ctx.logger.debug({ clientId: this.clientId, reason }, 'closing notification session');
    this.state = 'closed';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Bytes written to this connection and not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  private write(bytes: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > this.limits.maxPendingBytes) this.dropNotReading();
  }

  /** The client leaves its output unread: holding more would let it grow the MP's memory without bound. */
  private dropNotReading(): void {
    const pendingBytes = this.socket.writableLength;
    this.ctx.counters.notReading += 1;
    if (droppedChannel.hasSubscribers)
      droppedChannel.publish({ clientId: this.clientId, reason: 'not-reading', pendingBytes });
    this.ctx.logger.warn(
      { clientId: this.clientId, pendingBytes, droppedNotReading: this.ctx.counters.notReading },
      `dropping a notification client that does not read: more than ${this.limits.maxPendingBytes} bytes unsent`,
    );
    this.state = 'closed';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastFrame = Date.now();
    let pinged = false;
    try {
      const frames = this.decoder.push(chunk);
      // A read that completes no frame costs a token too: a frame trickled a byte at a time is a flood of reads.
      if (!this.budget.spend(Math.max(1, frames.length), this.lastFrame)) {
        this.ctx.counters.flooding += 1;
        if (droppedChannel.hasSubscribers)
          droppedChannel.publish({
            clientId: this.clientId,
            reason: 'flooding',
            pendingBytes: this.socket.writableLength,
          });
        this.ctx.logger.warn(
          { clientId: this.clientId, droppedFlooding: this.ctx.counters.flooding },
          'closing a notification client that sends frames faster than allowed',
        );
        throw new SiteportError(
          'E_NOTIFY_RATE',
          `more than ${this.limits.frameBurst} frames at once or ${this.limits.framesPerSecond} a second; ping once per keep-alive interval`,
        );
      }
      for (const frame of frames) pinged = this.onFrame(frame) || pinged;
    } catch (error) {
      this.fail(error);
      return;
    }
    // One pong answers every ping of a read, and none while earlier output is unsent: a client that does not read gets no more.
    if (pinged && this.state === 'ready' && this.socket.writableLength === 0) this.write(PONG);
  }

  /** Handles one frame; true when it was a ping (answered once per read by the caller). */
  private onFrame(frame: NotifyFrame): boolean {
    switch (this.state) {
      case 'challenged':
        if (frame.type !== 'auth')
          throw new SiteportError('E_NOTIFY_AUTH', `expected an auth frame after the challenge, got ${frame.type}`);
        this.state = 'authenticating';
        this.authenticate(framePayloadJson(frame)).catch((error: unknown) => this.fail(error));
        return false;
      case 'authenticating':
        throw new SiteportError(
          'E_NOTIFY_FRAME',
          `a ${frame.type} frame arrived before the server confirmed authentication; wait for ready`,
        );
      case 'ready':
        if (this.clientId !== null) this.ctx.hub.seen(this.clientId);
        if (frame.type === 'ping') return true;
        if (frame.type === 'ack') {
          const ack = framePayloadJson(frame);
          if (!ackCheck.Check(ack)) throw invalidField('ack frame', ackCheck.Errors(ack), 'E_NOTIFY_FRAME');
          if (this.clientId !== null) this.ctx.hub.acknowledge(this.clientId, ack, 'tcp');
          return false;
        }
        throw new SiteportError('E_NOTIFY_FRAME', `a client may send ping and ack frames, not ${frame.type}`);
      case 'closed':
        return false;
    }
  }

  private async authenticate(message: Record<string, unknown>): Promise<void> {
    if (!authCheck.Check(message)) throw invalidField('auth frame', authCheck.Errors(message), 'E_NOTIFY_AUTH');
    const nonce = this.nonce;
    if (nonce === null) throw new SiteportError('E_NOTIFY_AUTH', 'this connection already used its challenge');
    this.nonce = null;
    const client = await this.ctx.clients.known(message.clientId);
    if (client === undefined || client.siteCode !== this.ctx.siteCode) {
      throw new SiteportError(
        'E_NOTIFY_AUTH',
        `client ${message.clientId} is not registered at site ${this.ctx.siteCode}; the agent registers first`,
      );
    }
    const signed = Buffer.from(notifyAuthString(this.ctx.siteCode, client.id, nonce));
    if (!verify(null, signed, publicKeyFromPem(client.publicKey), Buffer.from(message.signature, 'base64'))) {
      throw new SiteportError('E_NOTIFY_AUTH', 'the challenge signature does not match the registered client key');
    }
    if (this.state !== 'authenticating') return;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.clientId = client.id;
    this.state = 'ready';
    this.write(
      encodeFrame(
        'ready',
        this.kernelKeepAlive
          ? { keepAliveSeconds: this.ctx.keepAliveSeconds, tcpKeepAlive: true }
          : { keepAliveSeconds: this.ctx.keepAliveSeconds },
      ),
    );
    this.ctx.hub.attachTcp(client.id, this);
  }

  /** Sends an `error` frame saying why, then closes; the peer gets a second to read it. */
  private fail(error: unknown): void {
    if (this.state === 'closed') return;
    const known =
      error instanceof SiteportError ? error : new SiteportError('E_INTERNAL', 'internal error; see the server log');
    if (!(error instanceof SiteportError)) this.ctx.logger.error({ err: error }, 'notification session failed');
    if (rejectedChannel.hasSubscribers) rejectedChannel.publish({ code: known.code, clientId: this.clientId });
    this.ctx.logger.info(
      { code: known.code, clientId: this.clientId },
      `notification connection rejected: ${known.message}`,
    );
    this.state = 'closed';
    this.write(encodeFrame('error', { code: known.code, message: known.message }));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onClosed(): void {
    this.state = 'closed';
    clearTimeout(this.authTimer);
    if (this.clientId !== null) this.ctx.hub.detachTcp(this.clientId, this);
    this.ctx.onClose(this);
  }
}
