import { type DefaultWebSiteBody, MP_PREFIX, SiteportError, type WebApplicationBody, parsePort } from '@siteport/protocol';
import { CLIENT_INSTALLER } from './web-applications.js';

const NAME = /^[A-Za-z0-9][\w .-]{0,63}$/;
const PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const RESERVED = [MP_PREFIX.split('/').slice(0, 2).join('/'), CLIENT_INSTALLER.path, '/api'];

function object(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SiteportError('E_BAD_REQUEST', `the request body must be a JSON object: ${what}`);
  return body as Record<string, unknown>;
}

/** Checks `POST /sites/{code}/web-applications`: a name, a path under none of the reserved prefixes, optional text. */
export function parseWebApplicationBody(body: unknown): WebApplicationBody {
  const input = object(body, '{"name": "Reports", "path": "/reports"}');
  for (const key of Object.keys(input)) {
    if (!['name', 'path', 'content'].includes(key)) throw new SiteportError('E_VALIDATION', `unknown field ${key}; a web application has name, path and content`);
  }
  const { name, path, content } = input;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SiteportError('E_VALIDATION', `name must be 1–64 letters, digits, spaces, '.', '_' or '-', got ${JSON.stringify(name)}`, { details: { item: 'name' } });
  }
  if (typeof path !== 'string' || path.length > 128 || !PATH.test(path)) {
    throw new SiteportError('E_VALIDATION', `path must look like /reports or /apps/reports (letters, digits, . _ ~ -), got ${JSON.stringify(path)}`, {
      details: { item: 'path' },
    });
  }
  const reserved = RESERVED.find((r) => path === r || path.startsWith(`${r}/`));
  if (reserved !== undefined) {
    throw new SiteportError('E_VALIDATION', `path ${path} is under ${reserved}, which the site system uses itself; choose another path`, { details: { item: 'path' } });
  }
  if (content !== undefined && (typeof content !== 'string' || content.length > 16384)) {
    throw new SiteportError('E_VALIDATION', 'content must be text of at most 16384 characters', { details: { item: 'content' } });
  }
  return { name, path, ...(content === undefined ? {} : { content }) };
}

/** Checks `PATCH /sites/{code}/web-sites/default`: at least one of http, https, each a port. */
export function parseDefaultWebSiteBody(body: unknown): DefaultWebSiteBody {
  const input = object(body, '{"http": 80, "https": 443}');
  const out: DefaultWebSiteBody = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'http' || key === 'https') out[key] = parsePort(`default web site ${key}`, value);
    else throw new SiteportError('E_UNKNOWN_ITEM', `unknown field ${key}; the default web site has http and https ports`);
  }
  if (out.http === undefined && out.https === undefined) throw new SiteportError('E_VALIDATION', 'name the port to move: {"http": 80} and/or {"https": 443}');
  return out;
}
