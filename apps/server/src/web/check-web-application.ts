import { MP_PREFIX, SiteportError, type WebApplicationBody } from '@siteport/protocol';
import { CLIENT_INSTALLER } from './web-applications.js';

const RESERVED = [MP_PREFIX.split('/').slice(0, 2).join('/'), CLIENT_INSTALLER.path, '/api'];

/** The rule of a new web application its schema cannot state: its path lies under none of the site system's own prefixes. */
export function checkWebApplication(body: WebApplicationBody): WebApplicationBody {
  const reserved = RESERVED.find((r) => body.path === r || body.path.startsWith(`${r}/`));
  if (reserved !== undefined) {
    throw new SiteportError(
      'E_VALIDATION',
      `path ${body.path} is under ${reserved}, which the site system uses itself; choose another path`,
      {
        details: { field: 'path' },
      },
    );
  }
  return body;
}
