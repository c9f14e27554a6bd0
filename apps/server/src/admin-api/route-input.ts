import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { type FieldError, SiteportError, type SchemaFacts, ruleOf } from '@siteport/protocol';
import type { AdminRoute } from './admin-route.js';

/** What a route without a request body accepts: no body, or `{}`. */
const NO_BODY = Type.Object({}, { additionalProperties: false });
/** What a route without `query` accepts: no query parameters. */
const NO_QUERY = Type.Object({}, { additionalProperties: false });
/** A query value declared as a whole number is converted when it is decimal digits; anything else stays text and fails the check. */
const DECIMAL = /^-?\d{1,15}$/;
/** Longest field name an error message repeats (a hostile body may have a key of 60 KB). */
const MAX_FIELD_CHARS = 100;

/** A JSON pointer as an operator writes the field: `/hosts/0/port` → `hosts[0].port`. */
function fieldName(pointer: string): string {
  const name = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
  return name.slice(0, MAX_FIELD_CHARS);
}

function first(errors: Iterable<FieldError>): FieldError | undefined {
  for (const error of errors) return error;
  return undefined;
}

/**
 * The checks of one route's request, compiled once when the admin API is built: the body against
 * `requestBody` (or nothing but `{}` without one) and the query against `query`. A failure is 400
 * `E_VALIDATION` naming the field (`details.field`) and what it must be; a body that is no JSON
 * object where one is expected is `E_BAD_REQUEST`.
 */
export class RouteInput {
  private readonly bodyCheck: TypeCheck<TSchema>;
  private readonly querySchema: TObject;
  private readonly queryCheck: TypeCheck<TObject>;

  constructor(private readonly route: AdminRoute) {
    this.bodyCheck = TypeCompiler.Compile(route.requestBody ?? NO_BODY);
    this.querySchema = route.query ?? NO_QUERY;
    this.queryCheck = TypeCompiler.Compile(this.querySchema);
  }

  /** The body as the handler gets it: checked, `{}` for an empty one, undefined for a route that takes none. */
  body(value: unknown): unknown {
    const body = value === undefined ? {} : value;
    if (this.bodyCheck.Check(body)) return this.route.requestBody === undefined ? undefined : body;
    const error = first(this.bodyCheck.Errors(body));
    if (error === undefined || (error.path === '' && error.type === ValueErrorType.Object)) throw this.notAnObject();
    if (error.path === '') return this.refuse(`the request body ${ruleOf(error)}`, '');
    const field = fieldName(error.path);
    const rule =
      this.route.requestBody === undefined
        ? 'is not taken: this request takes no body; send none or {}'
        : ruleOf(error);
    return this.refuse(`${field} ${rule}`, field);
  }

  /**
   * The query as the handler gets it: each declared parameter once (a list when declared as one),
   * whole numbers converted from their digits, then checked; undeclared parameters are refused.
   */
  query(search: URLSearchParams): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    for (const name of new Set(search.keys())) {
      const values = search.getAll(name);
      const schema = Object.hasOwn(this.querySchema.properties, name)
        ? (this.querySchema.properties[name] as SchemaFacts)
        : undefined;
      if (schema?.type === 'array') {
        entries.push([name, values]);
        continue;
      }
      if (values.length > 1)
        this.refuse(
          `${name.slice(0, MAX_FIELD_CHARS)} is given more than once; give it once`,
          name.slice(0, MAX_FIELD_CHARS),
        );
      const text = values[0] ?? '';
      entries.push([name, schema?.type === 'integer' && DECIMAL.test(text) ? Number(text) : text]);
    }
    // Own properties only, `__proto__` too, so an undeclared name cannot slip past the check.
    const query = Object.fromEntries(entries);
    if (this.queryCheck.Check(query)) return query;
    const error = first(this.queryCheck.Errors(query));
    const field = fieldName(error?.path ?? '');
    if (error?.type === ValueErrorType.ObjectAdditionalProperties) {
      const names = Object.keys(this.querySchema.properties);
      return this.refuse(
        `unknown query parameter ${field}; ${names.length === 0 ? 'this request takes none' : `use ${names.join(', ')}`}`,
        field,
      );
    }
    // A query value is text by nature: no "got a string" hint.
    return this.refuse(
      `${field} ${error === undefined ? 'is invalid' : ruleOf({ ...error, value: undefined })}`,
      field,
    );
  }

  private notAnObject(): SiteportError {
    if (this.route.requestBody === undefined) {
      return new SiteportError(
        'E_BAD_REQUEST',
        `${this.route.method} ${this.route.path} takes no request body; send none or {}`,
      );
    }
    const fields = Object.keys((this.route.requestBody as SchemaFacts).properties ?? {});
    return new SiteportError(
      'E_BAD_REQUEST',
      `the request body must be a JSON object${fields.length === 0 ? '' : ` with ${fields.join(', ')}`}`,
    );
  }

  private refuse(message: string, field: string): never {
    throw new SiteportError('E_VALIDATION', message, field === '' ? {} : { details: { field } });
  }
}
