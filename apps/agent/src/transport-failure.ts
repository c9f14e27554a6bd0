import { SiteportError } from '@siteport/protocol';

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

/**
 * The error of a request no endpoint answered: E_ANSWER_UNAUTHENTICATED when some answered but
 * not authenticated (decision 0092), else E_MP_UNREACHABLE; both list every endpoint tried.
 */
export function noAnswer(failures: string[], someRefused: boolean): SiteportError {
  if (someRefused) {
    return new SiteportError(
      'E_ANSWER_UNAUTHENTICATED',
      `no management point gave an authenticated answer: tried ${failures.join(', ')}; the answers were altered or forged on the way (look for a proxy or interception between this client and the site) or come from a management point older than this agent (upgrade the site first); the client keeps its current policy`,
      { details: { tried: failures } },
    );
  }
  return new SiteportError(
    'E_MP_UNREACHABLE',
    `no management point answered: tried ${failures.join(', ')}; check that the management point runs and that these ports are open in every firewall on the way`,
    { details: { tried: failures } },
  );
}
