import type { Logger } from 'pino';

/** What a bind on `::` fails with where the kernel has no IPv6 (module not loaded, or disabled). */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/**
 * Opens listeners on the dual-stack wildcard `::`, and on a host without IPv6 on IPv4's `0.0.0.0`
 * instead. The first refused `::` bind is logged once (`this host has no IPv6`); after that every
 * listener of this owner goes to `0.0.0.0` directly. Any other address, and any other error, is
 * passed through unchanged.
 */
export class WildcardFallback {
  private noIpv6 = false;

  constructor(
    private readonly logger: Logger,
    /** Which listeners, for the log line ("client requests", "notification"). */
    private readonly what: string,
  ) {}

  /** Whether `::` was found not to work here. */
  get ipv4Only(): boolean {
    return this.noIpv6;
  }

  async listen<T>(host: string, open: (host: string) => Promise<T>): Promise<T> {
    if (host !== '::') return open(host);
    if (this.noIpv6) return open('0.0.0.0');
    try {
      return await open(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !NO_IPV6.has(code)) throw error;
      this.noIpv6 = true;
      this.logger.warn(
        { code, listeners: this.what },
        'this host has no IPv6: listening on IPv4 (0.0.0.0) instead of the dual-stack ::',
      );
      return open('0.0.0.0');
    }
  }
}
