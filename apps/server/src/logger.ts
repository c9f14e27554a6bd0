import pino, { type Logger } from 'pino';

/** The root logger of a server process: JSON lines on stderr so stdout stays for what the CLI prints. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'siteport-server' } }, pino.destination(2));
}

export type { Logger };
