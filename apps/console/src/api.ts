import { CSRF_HEADER, type ClientChannel, type ClientStatus } from '@siteport/protocol';
import { errorWithCode } from './i18n/index.js';

/** An error answer of the admin API, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from sign-in or GET /session) for state-changing calls. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/**
 * Calls the admin API `/api/v1` with the session cookie; every state-changing call carries the
 * CSRF token. Error bodies become {@link ApiError}.
 */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers[CSRF_HEADER] = csrfToken;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const data: unknown = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const error = (
      data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined
    )?.error;
    throw new ApiError(error?.code ?? 'E_INTERNAL', error?.message ?? `HTTP ${res.status}`, res.status, error?.details);
  }
  return data as T;
}

/** A readable line for any error, in the console's language (API errors by their code). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return errorWithCode(error);
  return error instanceof Error ? error.message : String(error);
}

/** What the Devices view asks of the clients list: a page size, where the page starts, and the filters. */
export interface ClientPageQuery {
  limit: number;
  cursor?: string | undefined;
  status?: ClientStatus | undefined;
  channel?: ClientChannel | undefined;
  port?: number | undefined;
}

/** `GET /sites/{code}/clients` for one page: the admin API serves a site's clients a page at a time. */
export function clientPagePath(siteCode: string, query: ClientPageQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.status !== undefined) params.set('status', query.status);
  if (query.channel !== undefined) params.set('channel', query.channel);
  if (query.port !== undefined) params.set('port', String(query.port));
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  return `/sites/${encodeURIComponent(siteCode)}/clients?${params.toString()}`;
}
