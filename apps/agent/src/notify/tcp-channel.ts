import { sign } from 'node:crypto';
import tls from 'node:tls';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  ChallengeMessage,
  ErrorMessage,
  FrameDecoder,
  NotifyAction,
  type NotifyAck,
  type NotifyFrame,
  ReadyMessage,
  SiteportError,
  encodeFrame,
  failedAck,
  framePayloadJson,
  isErrorCode,
  notifyAuthString,
} from '@siteport/protocol';
import type { IdentityKey } from '../identity-key.js';

const challengeCheck = TypeCompiler.Compile(ChallengeMessage);
const readyCheck = TypeCompiler.Compile(ReadyMessage);
const actionCheck = TypeCompiler.Compile(NotifyAction);
const errorCheck = TypeCompiler.Compile(ErrorMessage);

/** What one TCP channel connection needs. */
export interface TcpChannelOptions {
  host: string;
  port: number;
  caPem: string;
  clientId: string;
  /** The site the client belongs to; a challenge from another site is refused. 'AUTO' accepts any. */
  siteCode: string;
  key: IdentityKey;
  connectTimeoutMs: number;
  /** Runs one action; its resolution or SiteportError becomes the ack. */
  onAction: (action: NotifyAction) => Promise<void>;
  /** Called once the server confirmed authentication. */
  onReady: () => void;
}

/**
 * One TLS connection to the notification port: answers the challenge with the client's key,
 * pings every keep-alive interval (or, when the MP's `ready` says `tcpKeepAlive`, turns on TCP
 * keep-alive and does not ping), runs actions and acknowledges them. `opened` resolves when the
 * server said ready (rejects when it never did: the caller falls back to the long-poll); `closed`
 * resolves when the connection ends for any reason after that.
 */
export class TcpChannel {
  readonly opened: Promise<void>;
  readonly closed: Promise<string>;
  private socket: tls.TLSSocket;
  private readonly decoder = new FrameDecoder();
  private state: 'connecting' | 'challenged' | 'ready' | 'closed' = 'connecting';
  private pingTimer: NodeJS.Timeout | undefined;
  private lastFrame = Date.now();
  private keepAliveMs = 60_000;
  private resolveOpened!: () => void;
  private rejectOpened!: (error: Error) => void;
  private resolveClosed!: (reason: string) => void;

  constructor(private readonly options: TcpChannelOptions) {
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // A rejection nobody awaited is still handled: the loop awaits `opened` first.
    this.opened.catch(() => undefined);
    this.socket = tls.connect({
      host: options.host,
      port: options.port,
      ca: options.caPem,
      servername: isIp(options.host) ? undefined : options.host,
    });
    const timer = setTimeout(
      () =>
        this.end(
          new SiteportError('E_MP_UNREACHABLE', `no notification handshake within ${options.connectTimeoutMs} ms`),
        ),
      options.connectTimeoutMs,
    );
    this.opened.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    this.socket.on('secureConnect', () => (this.state = 'challenged'));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: Error) => this.end(error));
    this.socket.on('close', () =>
      this.end(new SiteportError('E_MP_UNREACHABLE', 'the notification connection closed')),
    );
  }

  /** Closes the connection (agent stopping, or a newer port to use). */
  close(reason: string): void {
    this.end(new SiteportError('E_MP_UNREACHABLE', reason));
  }

  private onData(chunk: Buffer): void {
    this.lastFrame = Date.now();
    try {
      for (const frame of this.decoder.push(chunk)) this.onFrame(frame);
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onFrame(frame: NotifyFrame): void {
    if (frame.type === 'error') {
      const body = framePayloadJson(frame);
      const code = errorCheck.Check(body) && isErrorCode(body.code) ? body.code : 'E_PROTOCOL';
      throw new SiteportError(
        code,
        `the management point closed the notification channel: ${errorCheck.Check(body) ? body.message : 'no reason'}`,
      );
    }
    switch (frame.type) {
      case 'challenge': {
        const challenge = framePayloadJson(frame);
        if (this.state !== 'challenged' || !challengeCheck.Check(challenge))
          throw new SiteportError('E_PROTOCOL', 'unexpected or malformed challenge frame');
        if (this.options.siteCode !== 'AUTO' && challenge.siteCode !== this.options.siteCode) {
          throw new SiteportError(
            'E_SITE_MISMATCH',
            `the notification port belongs to site ${challenge.siteCode}, not ${this.options.siteCode}`,
          );
        }
        const signature = sign(
          null,
          Buffer.from(notifyAuthString(challenge.siteCode, this.options.clientId, challenge.nonce)),
          this.options.key.privateKey,
        );
        this.socket.write(
          encodeFrame('auth', { clientId: this.options.clientId, signature: signature.toString('base64') }),
        );
        return;
      }
      case 'ready': {
        const ready = framePayloadJson(frame);
        if (this.state !== 'challenged' || !readyCheck.Check(ready))
          throw new SiteportError('E_PROTOCOL', 'unexpected or malformed ready frame');
        this.state = 'ready';
        this.keepAliveMs = ready.keepAliveSeconds * 1000;
        // The MP watches the connection with TCP keep-alive (decision 0108): so does the agent, and
        // neither pings; a dead MP surfaces as a socket error after the kernel's probes.
        if (ready.tcpKeepAlive === true) this.socket.setKeepAlive(true, this.keepAliveMs);
        else this.pingTimer = setInterval(() => this.keepAlive(), this.keepAliveMs);
        this.options.onReady();
        this.resolveOpened();
        return;
      }
      case 'pong':
        return;
      case 'action': {
        const action = framePayloadJson(frame);
        if (this.state !== 'ready' || !actionCheck.Check(action))
          throw new SiteportError('E_PROTOCOL', 'unexpected or malformed action frame');
        void this.run(action);
        return;
      }
      case 'auth':
      case 'ping':
      case 'ack':
        throw new SiteportError('E_PROTOCOL', `a management point does not send ${frame.type} frames`);
    }
  }

  private async run(action: NotifyAction): Promise<void> {
    let ack: NotifyAck;
    try {
      await this.options.onAction(action);
      ack = { id: action.id, ok: true };
    } catch (error) {
      ack = failedAck(action.id, error);
    }
    if (this.state === 'ready') this.socket.write(encodeFrame('ack', ack));
  }

  private keepAlive(): void {
    // No pong or any other frame for three intervals: the path is dead even if TCP has not noticed.
    if (Date.now() - this.lastFrame > 3 * this.keepAliveMs) {
      this.close('no answer to keep-alives');
      return;
    }
    this.socket.write(encodeFrame('ping'));
  }

  private end(error: Error): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    clearInterval(this.pingTimer);
    // end() flushes what was written (an ack just sent) before the FIN; destroy if the peer lingers.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    if (wasReady) this.resolveClosed(error.message);
    else {
      this.rejectOpened(error);
      this.resolveClosed(error.message);
    }
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
