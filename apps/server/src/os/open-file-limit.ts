import { readFileSync } from 'node:fs';

/**
 * This process's soft limit of open files (`ulimit -n`, systemd `LimitNOFILE`), read from
 * /proc/self/limits; undefined where that cannot be read (not Linux) or the limit is unlimited.
 */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}
