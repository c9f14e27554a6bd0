/** A failure to talk to an endpoint at all (as opposed to an error answer from the MP). */
export class TransportFailure extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.name = 'TransportFailure';
    this.reason = reason;
  }
}

/** Builds a {@link TransportFailure}. */
export function transportFailure(reason: string): TransportFailure {
  return new TransportFailure(reason);
}

export function isTransportFailure(value: unknown): value is TransportFailure {
  return value instanceof TransportFailure;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** A short, human reason for a socket/TLS error: "connection refused", "TLS failure: …". */
export function classifyTransportError(error: unknown, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ETIMEDOUT') return `timed out after ${timeoutMs} ms`;
  const known = REASONS[code];
  if (known !== undefined) return known;
  if (/TLS|SSL|CERT|SELF_SIGNED|ALTNAME|UNABLE_TO/i.test(code) || /certificate|tls|ssl/i.test(message)) {
    return `TLS failure: ${message}`;
  }
  if (message === 'socket hang up') return 'connection closed before a response';
  return message;
}
