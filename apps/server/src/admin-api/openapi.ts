import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ADMIN_PREFIX, ErrorResponse, PROTOCOL_VERSION } from '@siteport/protocol';
import type { AdminRoute } from './admin-route.js';

/** Builds the OpenAPI 3.1 document of the admin API from the route table (typebox schemas are JSON Schema). */
export function openApiDocument(routes: readonly AdminRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const params: Record<string, unknown>[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = route.query;
    for (const [name, schema] of Object.entries<TSchema>(query?.properties ?? {})) {
      const required = query?.required?.includes(name) === true;
      params.push({
        name,
        in: 'query',
        required,
        ...(schema.description === undefined ? {} : { description: schema.description }),
        schema,
      });
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      'x-siteport-permission': route.permission,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.auth ? {} : { security: [] }),
      ...(route.requestBody === undefined
        ? {}
        : // A body whose fields are all optional may be left out: the API takes it as {}.
          {
            requestBody: {
              required: !Value.Check(route.requestBody, {}),
              content: { 'application/json': { schema: route.requestBody } },
            },
          }),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: route.response } } },
        default: {
          description: 'Error with a stable code',
          content: { 'application/json': { schema: ErrorResponse } },
        },
      },
    };
    paths[`${ADMIN_PREFIX}${route.path}`] = {
      ...paths[`${ADMIN_PREFIX}${route.path}`],
      [route.method.toLowerCase()]: operation,
    };
  }
  return JSON.parse(
    JSON.stringify({
      openapi: '3.1.0',
      info: {
        title: 'siteport admin API',
        version: PROTOCOL_VERSION,
        description:
          'Reads and changes sites, their client communication ports and clients. Bearer token: the bootstrap token from <data dir>/admin-token or an API token (siteport token create); each operation names the permission it needs in x-siteport-permission (decision 0094).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      paths,
    }),
  ) as Record<string, unknown>;
}
