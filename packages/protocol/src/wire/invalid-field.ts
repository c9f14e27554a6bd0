import { ValueErrorType } from '@sinclair/typebox/errors';
import type { ErrorCode } from '../error-codes.js';
import { SiteportError } from '../siteport-error.js';

/** The JSON Schema facts a message about a failing value draws on (TypeBox schemas are JSON Schema). */
export interface SchemaFacts {
  description?: string;
  type?: string;
  const?: unknown;
  anyOf?: SchemaFacts[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  properties?: Record<string, SchemaFacts>;
}

/** What a schema check reports about one failing value (a subset of TypeBox's ValueError). */
export interface FieldError {
  type: ValueErrorType;
  /** JSON pointer of the value (`/hosts/0/port`); empty for the whole message. */
  path: string;
  schema: SchemaFacts;
  value: unknown;
}

function range(schema: SchemaFacts): string {
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  return max === undefined ? '' : ` of at most ${max}`;
}

function between(min: number | undefined, max: number | undefined, unit: string): string {
  if (min !== undefined && min > 0 && max !== undefined) return ` of ${min} to ${max} ${unit}`;
  if (max !== undefined) return ` of at most ${max} ${unit}`;
  return min === undefined || min === 0 ? '' : ` of at least ${min} ${unit}`;
}

/**
 * What a schema asks for, in words: `a whole number from 1 to 65535`, `one of open, token`,
 * `true or false`. A string with a pattern is described by its `description`, which says the form.
 */
export function expectedOf(schema: SchemaFacts): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf !== undefined) {
    const literals = schema.anyOf.filter((member) => typeof member.const === 'string');
    if (literals.length === schema.anyOf.length) return `one of ${literals.map((m) => String(m.const)).join(', ')}`;
    return schema.anyOf.map(expectedOf).join(' or ');
  }
  const words: Record<string, string> = {
    integer: `a whole number${range(schema)}`,
    number: `a number${range(schema)}`,
    boolean: 'true or false',
    null: 'null',
    string:
      schema.pattern === undefined
        ? `text${between(schema.minLength, schema.maxLength, 'characters')}`
        : (schema.description ?? `text matching ${schema.pattern}`),
    array: `a list${between(schema.minItems, schema.maxItems, 'items')}`,
    object: 'a JSON object',
  };
  return (schema.type === undefined ? undefined : words[schema.type]) ?? schema.description ?? 'a valid value';
}

function wantsNumber(schema: SchemaFacts): boolean {
  return schema.type === 'integer' || schema.type === 'number' || (schema.anyOf ?? []).some(wantsNumber);
}

/** What the value was, without echoing text (it may be hostile or huge): numbers and booleans as they are, strings by length. */
function got(error: FieldError): string {
  const { value } = error;
  if (typeof value === 'string') {
    if (wantsNumber(error.schema)) return ', got a string (write the number without quotes)';
    return error.type === ValueErrorType.StringMaxLength || error.type === ValueErrorType.StringMinLength
      ? `, got ${value.length} characters`
      : '';
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `, got ${String(value)}`;
  if (value === null) return ', got null';
  return Array.isArray(value) ? ', got a list' : typeof value === 'object' ? ', got an object' : '';
}

/**
 * The rule a failing value broke, phrased for whoever fixes it: `is required`, `is not a field
 * here; use default, alternate`, `must be a whole number from 1 to 65535, got 80.5`.
 */
export function ruleOf(error: FieldError): string {
  const { schema } = error;
  const fields = Object.keys(schema.properties ?? {});
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'is required';
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return fields.length === 0 ? 'is not taken here: send no fields' : `is not a field here; use ${fields.join(', ')}`;
  }
  if (error.type === ValueErrorType.ObjectMinProperties)
    return `must name at least ${schema.minProperties ?? 1} of ${fields.join(', ')}`;
  if (error.type === ValueErrorType.ArrayMinItems || error.type === ValueErrorType.ArrayMaxItems) {
    return `must be ${expectedOf(schema)}, got ${Array.isArray(error.value) ? error.value.length : 0}`;
  }
  if (error.type === ValueErrorType.ArrayUniqueItems) return 'must not name the same value twice';
  return `must be ${expectedOf(schema)}${got(error)}`;
}

/**
 * The error for a message that failed its schema (E_VALIDATION unless `code` says otherwise):
 * names the first failing field (`details.field`, a JSON pointer) and says what it must be, never
 * echoing hostile text.
 */
export function invalidField(
  what: string,
  errors: Iterable<FieldError>,
  code: ErrorCode = 'E_VALIDATION',
): SiteportError {
  let first: FieldError | undefined;
  for (const error of errors) {
    first = error;
    break;
  }
  if (first === undefined) return new SiteportError(code, `${what}: invalid`);
  const field = first.path === '' ? '/' : first.path;
  return new SiteportError(code, `${what}: ${field} ${ruleOf(first)}`, { details: { field } });
}
