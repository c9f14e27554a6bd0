import { isIP } from 'node:net';
import { SiteportError } from '@siteport/protocol';

/** Longest part of a refused Host header repeated in the error message. */
const SHOWN_HOST_CHARS = 100;

/**
 * The host name a Host header names, lower-case and without port, brackets or a trailing dot;
 * undefined when the header is missing or malformed.
 */
export function hostNameOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+(?:%[\w.-]+)?)\](?::\d{1,5})?$/.exec(value);
  if (bracketed !== null) return bracketed[1];
  const plain = /^([^:[\]\s]+?)\.?(?::\d{1,5})?$/.exec(value);
  return plain?.[1];
}

/**
 * The names the admin listener answers to, the guard against DNS rebinding (decision 0096): a web
 * page on a name its owner controls can make that name resolve to this server, and the browser then
 * sends the page's name in Host and treats the answers as its own. A request is served only when
 * its Host names this listener: an IP address (no DNS, so nothing to rebind), `localhost`, or one of
 * the listener's names (the site certificate's names, the bind address, `--admin-allow-host`).
 */
export class HostAllowList {
  private readonly names: ReadonlySet<string>;

  constructor(names: readonly string[]) {
    this.names = new Set(names.map((name) => hostNameOf(name)).filter((name): name is string => name !== undefined));
  }

  /** Whether a Host header names this listener. */
  allows(header: string | undefined): boolean {
    const name = hostNameOf(header);
    if (name === undefined) return false;
    return isIP(name) !== 0 || name === 'localhost' || this.names.has(name);
  }

  /** Throws E_ADMIN_HOST (421) unless the Host header names this listener; the message does not list the names (the asking page may be the attacker's). */
  check(header: string | undefined): void {
    if (this.allows(header)) return;
    const shown = JSON.stringify((header ?? '').slice(0, SHOWN_HOST_CHARS));
    const name = hostNameOf(header) ?? 'NAME';
    throw new SiteportError(
      'E_ADMIN_HOST',
      `this admin API does not answer to the host name ${shown} (a web page could reach it under a foreign name through DNS rebinding); ` +
        `reach it by IP address, localhost or a name in the site certificate, or start the server with --admin-allow-host ${name} if that is a name of this server`,
      { details: { host: (header ?? '').slice(0, SHOWN_HOST_CHARS) } },
    );
  }
}
