/**
 * How a client can learn its site's settings: only directory-joined clients read the
 * directory; the others need policy during an overlap or a reinstall.
 */
export const CLIENT_CATEGORIES = [
  'directory-joined',
  'workgroup',
  'other-forest',
  'internet-only',
  'on-internet',
] as const;
export type ClientCategory = (typeof CLIENT_CATEGORIES)[number];

export function isClientCategory(value: unknown): value is ClientCategory {
  return typeof value === 'string' && (CLIENT_CATEGORIES as readonly string[]).includes(value);
}
