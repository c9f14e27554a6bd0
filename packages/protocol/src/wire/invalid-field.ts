import { SiteportError } from '../siteport-error.js';

/** What a schema check reports about one failing value (a subset of TypeBox's ValueError). */
export interface FieldError {
  path: string;
  message: string;
  schema: { description?: string };
}

/**
 * The E_VALIDATION error for a message that failed its schema: names the first failing field and
 * says what it must be (the field schema's description), never echoing the hostile value.
 */
export function invalidField(what: string, errors: Iterable<FieldError>): SiteportError {
  let first: FieldError | undefined;
  for (const error of errors) {
    first = error;
    break;
  }
  if (first === undefined) return new SiteportError('E_VALIDATION', `${what}: invalid`);
  const field = first.path === '' ? '/' : first.path;
  const rule = first.schema.description === undefined ? first.message : `must be ${first.schema.description}`;
  return new SiteportError('E_VALIDATION', `${what}: ${field} ${rule}`, { details: { field } });
}
