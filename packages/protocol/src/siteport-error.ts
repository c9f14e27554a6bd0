import { type ErrorCode, isErrorCode } from './error-codes.js';

/** The JSON body of every error response of the MP and the admin API. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * An error with a stable code and a message that tells the reader what to do next.
 * `details` carries structured facts (the item, the port, the other program) for scripts.
 */
export class SiteportError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SiteportError';
    this.code = code;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }

  /** Rebuilds an error from a response body; anything unexpected becomes E_PROTOCOL. */
  static fromBody(body: unknown, fallback: string): SiteportError {
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const inner = body.error;
      if (typeof inner === 'object' && inner !== null) {
        const { code, message, details } = inner as Record<string, unknown>;
        if (isErrorCode(code) && typeof message === 'string') {
          const opts =
            typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {};
          return new SiteportError(code, message, opts);
        }
      }
    }
    return new SiteportError('E_PROTOCOL', fallback);
  }
}

/** Whether a value is a {@link SiteportError}, optionally with a given code. */
export function isSiteportError(value: unknown, code?: ErrorCode): value is SiteportError {
  return value instanceof SiteportError && (code === undefined || value.code === code);
}
