import pino, { type Logger } from 'pino';

/** Log levels the agent accepts. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The agent's root logger: JSON lines to stderr by default. */
export function createAgentLogger(
  level: LogLevel = 'info',
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  return pino({ name: 'siteport-agent', level }, destination);
}
