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
  notifyAuthString,
} from '@siteport/protocol';
import type { ClientService } from '../services/client-service.js';
import type { NotificationHub, TcpPeer } from './notification-hub.js';

/** Lifecycle of one connection: challenged → authenticating → ready → closed. */
export type SessionState = 'challenged' | 'authenticating' | 'ready' | 'closed';

/** What every session of a listener shares. */
export interface SessionContext {
  siteCode: string;
  hub: NotificationHub;
  clients: ClientService;
  keepAliveSeconds: number;
  /** How long a new connection has to authenticate. @default 10000 */
  authTimeoutMs: number;
  logger: Logger;
  onClose: (session: NotifySession) => void;
}

const authCheck = TypeCompiler.Compile(AuthMessage);
const ackCheck = TypeCompiler.Compile(NotifyAck);
const rejectedChannel = diagnostics.channel('siteport:notify:rejected');
/** Every pong is the same six bytes: encoded once, not per ping. */
const PONG = Buffer.from(encodeFrame('pong'));

/**
 * One client's TLS notification connection. The server speaks first with a challenge nonce; the
 * client proves its registered Ed25519 key by signing it; only then does the hub route actions to
 * it. Any protocol violation gets an `error` frame and the connection is closed — the listener and
 * the other sessions are unaffected.
 */
export class NotifySession implements TcpPeer {
  state: SessionState = 'challenged';
  clientId: string | null = null;
  lastFrame = Date.now();
  private nonce: string | null;
  private readonly decoder = new FrameDecoder();
  private authTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly ctx: SessionContext,
  ) {
    this.nonce = randomBytes(24).toString('base64url');
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClosed());
    this.authTimer = setTimeout(() => this.fail(new SiteportError('E_NOTIFY_AUTH', 'no authentication within the time allowed; send an auth frame after the challenge')), ctx.authTimeoutMs);
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

  private write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastFrame = Date.now();
    let frames: NotifyFrame[];
    try {
      frames = this.decoder.push(chunk);
      for (const frame of frames) this.onFrame(frame);
    } catch (error) {
      this.fail(error);
    }
  }

  private onFrame(frame: NotifyFrame): void {
    switch (this.state) {
      case 'challenged':
        if (frame.type !== 'auth') throw new SiteportError('E_NOTIFY_AUTH', `expected an auth frame after the challenge, got ${frame.type}`);
        this.state = 'authenticating';
        this.authenticate(framePayloadJson(frame)).catch((error: unknown) => this.fail(error));
        return;
      case 'authenticating':
        throw new SiteportError('E_NOTIFY_FRAME', `a ${frame.type} frame arrived before the server confirmed authentication; wait for ready`);
      case 'ready':
        if (this.clientId !== null) this.ctx.hub.seen(this.clientId);
        if (frame.type === 'ping') this.write(PONG);
        else if (frame.type === 'ack') {
          const ack = framePayloadJson(frame);
          if (!ackCheck.Check(ack)) throw new SiteportError('E_NOTIFY_FRAME', 'an ack frame needs {id, ok, error?}');
          if (this.clientId !== null) this.ctx.hub.acknowledge(this.clientId, ack, 'tcp');
        } else throw new SiteportError('E_NOTIFY_FRAME', `a client may send ping and ack frames, not ${frame.type}`);
        return;
      case 'closed':
        return;
    }
  }

  private async authenticate(message: Record<string, unknown>): Promise<void> {
    if (!authCheck.Check(message)) throw new SiteportError('E_NOTIFY_AUTH', 'an auth frame needs {clientId, signature}');
    const nonce = this.nonce;
    if (nonce === null) throw new SiteportError('E_NOTIFY_AUTH', 'this connection already used its challenge');
    this.nonce = null;
    const client = await this.ctx.clients.known(message.clientId);
    if (client === undefined || client.siteCode !== this.ctx.siteCode) {
      throw new SiteportError('E_NOTIFY_AUTH', `client ${message.clientId} is not registered at site ${this.ctx.siteCode}; the agent registers first`);
    }
    const signed = Buffer.from(notifyAuthString(this.ctx.siteCode, client.id, nonce));
    if (!verify(null, signed, client.key, Buffer.from(message.signature, 'base64'))) {
      throw new SiteportError('E_NOTIFY_AUTH', 'the challenge signature does not match the registered client key');
    }
    if (this.state !== 'authenticating') return;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.clientId = client.id;
    this.state = 'ready';
    this.write(encodeFrame('ready', { keepAliveSeconds: this.ctx.keepAliveSeconds }));
    this.ctx.hub.attachTcp(client.id, this);
  }

  /** Sends an `error` frame saying why, then closes; the peer gets a second to read it. */
  private fail(error: unknown): void {
    if (this.state === 'closed') return;
    const known = error instanceof SiteportError ? error : new SiteportError('E_INTERNAL', 'internal error; see the server log');
    if (!(error instanceof SiteportError)) this.ctx.logger.error({ err: error }, 'notification session failed');
    if (rejectedChannel.hasSubscribers) rejectedChannel.publish({ code: known.code, clientId: this.clientId });
    this.ctx.logger.info({ code: known.code, clientId: this.clientId }, `notification connection rejected: ${known.message}`);
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
