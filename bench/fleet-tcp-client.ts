// A simulated client on the TLS notification channel (or, in `bare` mode, a TLS connection that
// holds, timestamps each frame it receives and answers it).
import { type KeyObject, sign } from 'node:crypto';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame, framePayloadJson, notifyAuthString } from '@siteport/protocol';
import type { FleetClientContext } from './fleet-client-context.js';
import type { FleetTarget } from './fleet-plan.js';

const PING = Buffer.from(encodeFrame('ping'));
/** What a bare client answers each frame with: as long as an `ack` frame (the bare fan-out's readers answer, as agents acknowledge). */
const BARE_ANSWER = Buffer.alloc(encodeFrame('ack', { id: 'x'.repeat(16), ok: true }).length, 2);

/**
 * Opens one connection and resolves with null once it is ready (authenticated, or for `bare`
 * the TLS handshake done), or with the reason it failed. A ready client pings every keep-alive
 * interval the server gave, and acknowledges every action.
 */
export function openTcpClient(
  ctx: FleetClientContext,
  target: FleetTarget,
  id: string,
  key: KeyObject,
): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    let ready = false;
    const settle = (reason: string | null): void => {
      if (settled) return;
      settled = true;
      ready = reason === null;
      clearTimeout(timer);
      resolve(reason);
    };
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      secureContext: ctx.secureContext,
      ...(ctx.localAddress === undefined ? {} : { localAddress: ctx.localAddress }),
    });
    const timer = setTimeout(() => {
      settle('no ready within the connect timeout');
      socket.destroy();
    }, ctx.connectTimeoutMs);
    let pinger: NodeJS.Timeout | undefined;
    // Why a ready connection closed: the socket's error (ETIMEDOUT when the kernel's keep-alive
    // gave up, ECONNRESET for a reset), else the peer ended it.
    let closeReason = 'closed by the MP';
    socket.on('error', (error: NodeJS.ErrnoException) => {
      closeReason = `socket error ${error.code ?? error.message}`;
      settle(closeReason);
    });
    socket.on('close', () => {
      clearInterval(pinger);
      // A connection that was ready and dropped is counted; one that never was is a failure.
      if (ready) ctx.lost(closeReason);
      settle('closed before ready');
    });
    if (ctx.mode === 'bare') {
      socket.on('secureConnect', () => settle(null));
      // The bare fan-out: the arrival time first, the answer once the burst is over (as for actions).
      socket.on('data', () => {
        ctx.received(Date.now());
        ctx.defer(() => {
          if (!socket.destroyed) socket.write(BARE_ANSWER, () => ctx.acked());
        });
      });
      return;
    }
    const decoder = new FrameDecoder();
    const handle = (chunk: Buffer, at: number): void => {
      for (const frame of decoder.push(chunk)) {
        switch (frame.type) {
          case 'challenge': {
            const c = framePayloadJson(frame) as { siteCode: string; nonce: string };
            const signature = sign(null, Buffer.from(notifyAuthString(c.siteCode, id, c.nonce)), key).toString(
              'base64',
            );
            socket.write(encodeFrame('auth', { clientId: id, signature }));
            break;
          }
          case 'ready': {
            const { keepAliveSeconds, tcpKeepAlive } = framePayloadJson(frame) as {
              keepAliveSeconds: number;
              tcpKeepAlive?: boolean;
            };
            // As the agent: with the MP's liveness `tcp` (decision 0108), kernel keep-alive and no pings.
            if (tcpKeepAlive === true) socket.setKeepAlive(true, keepAliveSeconds * 1000);
            else
              pinger = setInterval(() => {
                ctx.event();
                socket.write(PING);
              }, keepAliveSeconds * 1000);
            settle(null);
            break;
          }
          case 'action': {
            ctx.received(at);
            const actionId = (framePayloadJson(frame) as { id: string }).id;
            if (!socket.destroyed) socket.write(encodeFrame('ack', { id: actionId, ok: true }), () => ctx.acked());
            break;
          }
          case 'error':
            settle(`server error ${String(framePayloadJson(frame).code)}`);
            break;
          case 'pong':
          case 'ack':
          case 'auth':
          case 'ping':
            break;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      // The clock is read first: the receive time is when the bytes reached this process. Once
      // ready, decoding and acknowledging wait until the burst of data is over (ctx.defer), so a
      // push to thousands of this worker's clients is timed as it arrives, not as it is worked off.
      const at = Date.now();
      if (ready) ctx.defer(() => handle(chunk, at));
      else handle(chunk, at);
    });
  });
}
