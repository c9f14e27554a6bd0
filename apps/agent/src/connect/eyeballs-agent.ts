import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { type EyeballsWinner, type FamilyResolver, happyEyeballs, tcpConnector } from './happy-eyeballs.js';

/**
 * The request option that carries the signal abandoning a connection still being raced: set by the
 * caller of `http.request`, it reaches `createConnection` with the other request options.
 */
export const CONNECT_SIGNAL = 'siteportConnectSignal';

/** Told about every new connection: which address and family won. */
export type OnConnected = (host: string, port: number, winner: EyeballsWinner<net.Socket>) => void;

/** Settings shared by the HTTP and HTTPS agents. */
export interface EyeballsAgentOptions {
  onConnected?: OnConnected;
  /** Replaces the system resolver (tests). */
  resolve?: FamilyResolver;
  /** @default 250 */
  attemptDelayMs?: number;
  /** @default 5000 */
  attemptTimeoutMs?: number;
}

type Callback = (err: Error | null, stream: Duplex) => void;

function race(
  options: http.ClientRequestArgs & { [CONNECT_SIGNAL]?: AbortSignal },
  settings: EyeballsAgentOptions,
): Promise<{ host: string; port: number; winner: EyeballsWinner<net.Socket> }> {
  const host = (options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  const port = Number(options.port);
  return happyEyeballs({
    host,
    port,
    connect: tcpConnector,
    close: (socket) => socket.destroy(),
    ...(settings.resolve === undefined ? {} : { resolve: settings.resolve }),
    ...(settings.attemptDelayMs === undefined ? {} : { attemptDelayMs: settings.attemptDelayMs }),
    ...(settings.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: settings.attemptTimeoutMs }),
    ...(options[CONNECT_SIGNAL] === undefined ? {} : { signal: options[CONNECT_SIGNAL] }),
  }).then((winner) => {
    settings.onConnected?.(host, port, winner);
    return { host, port, winner };
  });
}

/**
 * `createConnection` of both agents: races a new connection and hands the callback the stream
 * `over` makes of the winning socket (the socket itself for HTTP, TLS on it for HTTPS).
 */
function connectRaced(
  options: http.ClientRequestArgs,
  settings: EyeballsAgentOptions,
  callback: Callback | undefined,
  over: (socket: net.Socket) => Duplex | null | undefined,
): undefined {
  race(options, settings).then(
    ({ winner }) => {
      const stream = over(winner.socket);
      // Only the TLS wrap can come back empty.
      if (stream === null || stream === undefined) callback?.(new Error('TLS connection not created'), winner.socket);
      else callback?.(null, stream);
    },
    (error: Error) => callback?.(error, undefined as unknown as Duplex),
  );
  return undefined;
}

/** A keep-alive HTTP agent whose new connections race IPv6 and IPv4 addresses (Happy Eyeballs). */
export class EyeballsHttpAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly settings: EyeballsAgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Callback): undefined {
    return connectRaced(options, this.settings, callback, (socket) => socket);
  }
}

/**
 * A keep-alive HTTPS agent whose new connections race IPv6 and IPv4 addresses; TLS then runs on the
 * winning socket with the agent's own options (CA, server name from the host, session reuse).
 */
export class EyeballsHttpsAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly settings: EyeballsAgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: Callback): undefined {
    return connectRaced(options, this.settings, callback, (socket) =>
      super.createConnection({ ...options, socket } as https.RequestOptions),
    );
  }
}
