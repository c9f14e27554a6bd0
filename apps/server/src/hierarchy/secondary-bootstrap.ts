import type { Logger } from 'pino';
import { type PortsView, SiteportError, isSiteportError } from '@siteport/protocol';
import type { SiteRepository } from '../site/index.js';
import type { ParentLink } from './parent-link.js';

/** What a secondary site server knows about its primary when it starts. */
export interface SecondaryStart {
  siteCode: string;
  /** The primary's ports read at start, or undefined when the primary was unreachable. */
  fresh: { primary: string; ports: PortsView } | undefined;
}

/**
 * Finds or creates the secondary site of this data dir. A new secondary needs its primary: it is
 * created with the primary's current port settings. An existing one starts even when the primary
 * is unreachable, with the last settings it mirrored.
 */
/** What {@link ensureSecondarySite} reads of the server's options. */
export interface SecondarySiteOptions {
  readonly dataDir: string;
  readonly siteCode: string | undefined;
  readonly policyIntervalSeconds: number;
  readonly activeWindowSeconds: number | undefined;
}

export async function ensureSecondarySite(
  sites: SiteRepository,
  options: SecondarySiteOptions,
  link: ParentLink,
  logger: Logger,
): Promise<SecondaryStart> {
  const existing = (await sites.listCodes())[0];
  const site = existing === undefined ? undefined : await sites.find(existing);
  if (site !== undefined && site.kind !== 'secondary') {
    throw new SiteportError(
      'E_OPTION',
      `the data dir ${options.dataDir} holds primary site ${site.code}; a secondary site needs its own --data dir`,
    );
  }
  if (site !== undefined && options.siteCode !== undefined && options.siteCode !== site.code) {
    throw new SiteportError(
      'E_OPTION',
      `the data dir ${options.dataDir} holds site ${site.code}, not ${options.siteCode}`,
    );
  }
  let fresh: SecondaryStart['fresh'];
  try {
    fresh = await link.fetchPrimary();
  } catch (error) {
    if (site === undefined || !isSiteportError(error, 'E_PEER_UNREACHABLE')) {
      if (site === undefined && isSiteportError(error)) {
        throw new SiteportError(
          error.code,
          `cannot create secondary site ${options.siteCode ?? ''}: its primary must answer at first start: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    logger.warn({ err: error.message }, 'primary site unreachable at start; serving the last known port settings');
  }
  if (site !== undefined) {
    if (fresh !== undefined && site.parentCode !== fresh.primary) {
      throw new SiteportError(
        'E_OPTION',
        `secondary site ${site.code} is attached to primary ${site.parentCode ?? '?'}, but --parent runs ${fresh.primary}`,
      );
    }
    return { siteCode: site.code, fresh };
  }
  if (options.siteCode === undefined)
    throw new SiteportError('E_OPTION', 'a new secondary site needs --site-code (3 letters/digits, e.g. S01)');
  if (fresh === undefined) throw new SiteportError('E_INTERNAL', 'primary ports missing');
  if (fresh.primary === options.siteCode)
    throw new SiteportError(
      'E_OPTION',
      `--site-code ${options.siteCode} is the primary's own code; give the secondary its own`,
    );
  const p = fresh.ports;
  const now = new Date().toISOString();
  await sites.create(
    {
      code: options.siteCode,
      name: `Site ${options.siteCode}`,
      kind: 'secondary',
      parentCode: fresh.primary,
      policyIntervalSeconds: options.policyIntervalSeconds,
      activeWindowSeconds: options.activeWindowSeconds ?? options.policyIntervalSeconds * 3,
      createdAt: now,
    },
    {
      settings: {
        http: { ...p.http },
        https: { ...p.https },
        notification: p.notification,
        wake: p.wake,
        customWebSite: p.customWebSite,
        descriptions: { ...p.descriptions },
      },
      communicationMode: p.communicationMode,
      updatedAt: now,
      updatedBy: `primary:${fresh.primary}`,
    },
  );
  logger.info({ siteCode: options.siteCode, primary: fresh.primary }, 'secondary site created');
  return { siteCode: options.siteCode, fresh };
}
