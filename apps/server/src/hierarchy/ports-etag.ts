import { createHash } from 'node:crypto';
import type { PortsView } from '@siteport/protocol';

/** A short tag over everything a secondary mirrors: settings, mode, version and the overlap list. */
export function portsEtag(view: PortsView): string {
  const mirrored = {
    http: view.http,
    https: view.https,
    notification: view.notification,
    wake: view.wake,
    customWebSite: view.customWebSite,
    communicationMode: view.communicationMode,
    descriptions: view.descriptions,
    version: view.version,
    overlap: view.overlap,
  };
  return createHash('sha256').update(JSON.stringify(mirrored)).digest('base64url').slice(0, 22);
}
