import { existsSync, readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { parse } from 'smol-toml';
import { SiteportError } from '@siteport/protocol';

/** Read when present and no `--config` / SITEPORT_CONFIG names another file. */
export const DEFAULT_CONFIG_FILE = '/etc/siteport/server.toml';

/** The environment variable of an option: `SITEPORT_` and its long name in capitals (`--admin-port` → `SITEPORT_ADMIN_PORT`). */
function envNameOf(option: Option): string {
  return `SITEPORT_${option.name().toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Sets every option of `command` that no flag set from its environment variable ({@link envNameOf}),
 * as the flag would: a repeatable option takes a comma-separated list. Call before
 * {@link applyConfigFile}, so that the environment wins over the file.
 */
export function applyEnvironment(command: Command, env: NodeJS.ProcessEnv = process.env): void {
  for (const option of command.options) {
    if (option.long === undefined) continue;
    const text = env[envNameOf(option)];
    if (text === undefined || text === '') continue;
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (source !== undefined && source !== 'default') continue;
    let value: string | string[] | boolean = text;
    if (option.isBoolean()) {
      if (!['true', '1', 'false', '0'].includes(text))
        throw new SiteportError('E_CONFIG', `${envNameOf(option)} must be true or false, got ${JSON.stringify(text)}`);
      value = text === 'true' || text === '1';
    } else if (isRepeatable(option)) {
      value = text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    }
    command.setOptionValueWithSource(name, value, 'env');
  }
}

function isRepeatable(option: Option): boolean {
  return Array.isArray(option.defaultValue) || option.parseArg !== undefined;
}

/** One config value as the option takes it (the string a flag would give, a list for a repeatable one), or why not. */
function valueFor(option: Option, value: unknown): { ok: string | string[] | boolean } | { error: string } {
  if (option.isBoolean()) return typeof value === 'boolean' ? { ok: value } : { error: 'must be true or false' };
  const scalar = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  if (Array.isArray(value)) {
    if (!isRepeatable(option)) return { error: 'takes one value, not a list' };
    const items = value.map(scalar);
    return items.every((i) => i !== undefined) ? { ok: items } : { error: 'must be a list of strings or numbers' };
  }
  const one = scalar(value);
  if (one === undefined) return { error: 'must be a string or a number' };
  return { ok: isRepeatable(option) ? [one] : one };
}

/**
 * Reads the server's config file (TOML; keys are the long option names, `admin-port = 8440`,
 * `public-host = ["mp1.example.org"]`) and sets every option neither a flag nor its environment
 * variable set: flags win, then the environment, then the file, then the defaults. The whole file
 * is checked before anything is set: a syntax error (with its line), an unknown key or a value of
 * the wrong kind is E_CONFIG naming the file and the key. Returns the file read, if any.
 */
export function applyConfigFile(command: Command, given: string | undefined): string | undefined {
  const file = given ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SiteportError('E_CONFIG', `cannot read the config file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let table: Record<string, unknown>;
  try {
    table = parse(text);
  } catch (error) {
    const { line, column } = error as { line?: number; column?: number };
    const where = line === undefined ? '' : ` at line ${line}${column === undefined ? '' : `, column ${column}`}`;
    const first = ((error as Error).message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new SiteportError('E_CONFIG', `${file} is not valid TOML${where}: ${first}`, { cause: error });
  }
  const options = new Map(command.options.filter((o) => o.long !== undefined).map((o) => [o.name(), o]));
  const settings: [Option, string | string[] | boolean][] = [];
  for (const [key, value] of Object.entries(table)) {
    const option = options.get(key);
    if (option === undefined || key === 'config') {
      throw new SiteportError(
        'E_CONFIG',
        `${file}: unknown setting "${key}"; settings are the long options of siteport server without the dashes (see siteport server --help)`,
      );
    }
    const converted = valueFor(option, value);
    if ('error' in converted)
      throw new SiteportError('E_CONFIG', `${file}: ${key} ${converted.error}, got ${JSON.stringify(value)}`);
    settings.push([option, converted.ok]);
  }
  for (const [option, value] of settings) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (source === undefined || source === 'default') command.setOptionValueWithSource(name, value, 'config');
  }
  return file;
}
