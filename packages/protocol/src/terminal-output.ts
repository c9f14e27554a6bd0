import { CONTROL_CHARACTER_CLASS } from './wire/client-fields.js';

const CONTROL = new RegExp(CONTROL_CHARACTER_CLASS, 'g');
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One line of human output made safe for a terminal: every control character (a newline, a
 * carriage return, an escape sequence's ESC, a bidi override) is written as a visible escape
 * (`\n`, `\x1b`, `\u202e`), so a value from the site or a client can neither start a line of
 * its own nor move the cursor or recolour the screen. Escaping twice changes nothing.
 */
export function displayLine(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Writes human-readable output: each string is exactly one line, passed through
 * {@link displayLine}. Every line of text the CLI prints goes through here (or
 * {@link printErrorLine}); `--json` output goes through {@link printJson}.
 */
export function printLines(...lines: readonly (string | readonly string[])[]): void {
  const text = lines.flat().map(displayLine).join('\n');
  process.stdout.write(`${text}\n`);
}

/** Writes one line to stderr, escaped like {@link printLines}. */
export function printErrorLine(line: string): void {
  process.stderr.write(`${displayLine(line)}\n`);
}

/** Rows as aligned columns (the CLI's human output), one string per line; widths count escaped cells. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const cells = rows.map((row) => row.map(displayLine));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return cells.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

/** Prints a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Ends the process quietly when the reader of its output goes away (`siteport audit | head -1`),
 * as a shell tool ends on SIGPIPE: no stack trace, the exit code so far. Node reports the closed
 * pipe as an EPIPE error on the stream, which would otherwise crash the process loudly.
 */
export function exitQuietlyOnClosedPipe(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}
