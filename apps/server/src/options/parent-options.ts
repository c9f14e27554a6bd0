import path from 'node:path';
import { SiteportError } from '@siteport/protocol';
import type { ParentOptions } from '../hierarchy/index.js';
import type { ServerOptionsInput } from './server-options-input.js';
import { seconds } from './option-values.js';

/** `--parent`, `--parent-token-file`, `--parent-ca-file`, `--parent-wait`: the primary a secondary site follows. */
export function parentOptions(input: ServerOptionsInput): ParentOptions | undefined {
  if (input.parentUrl === undefined) {
    if (input.parentTokenFile !== undefined)
      throw new SiteportError(
        'E_OPTION',
        "--parent-token-file needs --parent URL (the primary site server's admin API)",
      );
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(input.parentUrl);
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `--parent must be the primary's admin API URL like http://10.0.0.5:8440, got ${JSON.stringify(input.parentUrl)}`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SiteportError(
      'E_OPTION',
      `--parent must be an http:// or https:// URL, got ${JSON.stringify(input.parentUrl)}`,
    );
  if (input.parentTokenFile === undefined || input.parentTokenFile === '') {
    throw new SiteportError(
      'E_OPTION',
      "--parent needs --parent-token-file FILE: a copy of the primary's <data dir>/admin-token",
    );
  }
  const waitSeconds = seconds('parent-wait', input.parentWaitSeconds, 25, 1);
  if (waitSeconds > 55)
    throw new SiteportError('E_OPTION', `--parent-wait must be from 1 to 55 seconds, got ${waitSeconds}`);
  return Object.freeze({
    url: url.origin,
    tokenFile: path.resolve(input.parentTokenFile),
    caFile: input.parentCaFile === undefined ? undefined : path.resolve(input.parentCaFile),
    waitSeconds,
  });
}
