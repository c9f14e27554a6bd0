import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomicSync } from '@siteport/fs-atomic';
import { SiteportError } from '@siteport/protocol';

/** One regular file or folder of a package, with its path relative to the package's top folder. */
export interface PackageEntry {
  path: string;
  type: 'file' | 'dir';
  mode: number;
  data: Buffer;
}

/** Bounds on what a package may unpack to. */
export interface UntarLimits {
  /** Largest total of unpacked bytes. @default 256 MiB */
  maxUnpackedBytes?: number;
  /** Most entries. @default 1000 */
  maxEntries?: number;
}

const BLOCK = 512;

function pathError(message: string): SiteportError {
  return new SiteportError('E_UPGRADE_PATH', message);
}

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new SiteportError('E_UPGRADE_PACKAGE', 'the package has a malformed tar header');
  return text === '' ? 0 : parseInt(text, 8);
}

/** The path of an entry below `top/`, or an error for anything that could land outside it. */
function relativeEntryPath(name: string, top: string): string {
  if (name.includes('\\') || name.includes('\0'))
    throw pathError(`entry ${JSON.stringify(name)} has a forbidden character`);
  if (name.startsWith('/')) throw pathError(`entry ${JSON.stringify(name)} is an absolute path`);
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw pathError(`entry ${JSON.stringify(name)} climbs out of the package with ..`);
  if (parts[0] !== top) throw pathError(`entry ${JSON.stringify(name)} is outside the package folder ${top}/`);
  return parts.slice(1).join('/');
}

/**
 * Reads a `.tar.gz` agent package in memory, refusing (E_UPGRADE_PATH) every entry that is not a
 * regular file or folder under `top/` — absolute paths, `..`, links, devices, pax and GNU long-name
 * records — and (E_UPGRADE_TOO_LARGE) more than the limits allow. Nothing is written: the caller
 * unpacks the checked entries with {@link writeEntries}.
 */
export function readPackageEntries(gz: Buffer, top: string, limits: UntarLimits = {}): PackageEntry[] {
  const maxUnpacked = limits.maxUnpackedBytes ?? 256 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 1000;
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxUnpacked + 64 * BLOCK });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new SiteportError('E_UPGRADE_TOO_LARGE', `the package unpacks to more than ${maxUnpacked} bytes`);
    throw new SiteportError('E_UPGRADE_PACKAGE', 'the package is not a gzip file', { cause: error });
  }
  const entries: PackageEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (entries.length >= maxEntries)
      throw new SiteportError('E_UPGRADE_TOO_LARGE', `the package has more than ${maxEntries} entries`);
    const prefix = field(header, 345, 155);
    const name = prefix === '' ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`;
    const size = octal(header, 124, 12);
    const mode = octal(header, 100, 8) & 0o755;
    const type = String.fromCharCode(header[156] ?? 0);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new SiteportError('E_UPGRADE_PACKAGE', 'the package is truncated');
    const rel = relativeEntryPath(name, top);
    if (type === '0' || type === '\0') {
      if (rel === '') throw pathError(`entry ${JSON.stringify(name)} is a file in place of the package folder`);
      entries.push({ path: rel, type: 'file', mode, data: Buffer.from(tar.subarray(start, start + size)) });
    } else if (type === '5') {
      if (rel !== '') entries.push({ path: rel, type: 'dir', mode, data: Buffer.alloc(0) });
    } else {
      throw pathError(
        `entry ${JSON.stringify(name)} is of tar type ${JSON.stringify(type)}; only files and folders are unpacked`,
      );
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

/** Writes checked entries below `dir` (each file atomically, with its mode less group/other write). */
export function writeEntries(entries: readonly PackageEntry[], dir: string): void {
  const root = path.resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const entry of entries) {
    const target = path.resolve(root, entry.path);
    // readPackageEntries already refused these; a second look costs nothing where a mistake costs the host.
    if (!target.startsWith(`${root}${path.sep}`)) throw pathError(`entry ${entry.path} resolves outside ${root}`);
    if (entry.type === 'dir') mkdirSync(target, { recursive: true, mode: 0o700 });
    else {
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      writeFileAtomicSync(target, entry.data, entry.mode === 0 ? 0o600 : entry.mode);
    }
  }
}
