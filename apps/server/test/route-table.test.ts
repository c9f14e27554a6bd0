import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortsView, RolloutView } from '@siteport/protocol';
import { freePort } from '../../../test-support/ports.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { addClient } from './support/admin-callers.js';

/** The JSON Schema facts the walk below reads. */
interface Schema {
  type?: string;
  format?: string;
  description?: string;
  additionalProperties?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  allOf?: Schema[];
  const?: unknown;
}

/** Every place in a schema that breaks a rule of request schemas, as `path: what`. */
function looseSpots(schema: Schema, at = ''): string[] {
  const spots: string[] = [];
  if (schema.format !== undefined)
    spots.push(
      `${at || '/'}: format ${schema.format} (the checker refuses every value of an unregistered format; use a pattern)`,
    );
  if (schema.type === 'object' && schema.additionalProperties !== false)
    spots.push(`${at || '/'}: an object without additionalProperties: false`);
  for (const [name, inner] of Object.entries(schema.properties ?? {}))
    spots.push(...looseSpots(inner, `${at}/${name}`));
  if (schema.items !== undefined) spots.push(...looseSpots(schema.items, `${at}/[]`));
  for (const member of [...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) spots.push(...looseSpots(member, at));
  return spots;
}

/** Whether a query parameter's schema can be read from a query string: text, a whole number, a choice of words or a list of text. */
function queryShaped(schema: Schema): boolean {
  if (schema.type === 'string' || schema.type === 'integer') return true;
  if (schema.type === 'array') return schema.items?.type === 'string';
  return schema.anyOf !== undefined && schema.anyOf.every((m) => typeof m.const === 'string');
}

test('every route of the full table says what it takes: a POST, PUT or PATCH declares its body schema or noBody, request schemas are strict, queries are declared objects of query-shaped parameters', async (t) => {
  const s = await startTestServer(t);
  const routes = s.server.routes;
  assert.ok(routes.length >= 60, `the whole route table is walked (${routes.length} routes)`);
  const problems: string[] = [];
  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    const writes = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
    if (writes && (route.requestBody === undefined) === (route.noBody !== true)) {
      problems.push(`${name}: declare requestBody (the schema of its body) or noBody: true, exactly one`);
    }
    if (!writes && (route.requestBody !== undefined || route.noBody !== undefined)) {
      problems.push(`${name}: a ${route.method} takes no body; remove requestBody/noBody`);
    }
    if (route.requestBody !== undefined) {
      problems.push(...looseSpots(route.requestBody as Schema).map((spot) => `${name} body ${spot}`));
    }
    const query = route.query as Schema | undefined;
    if (query !== undefined) {
      problems.push(...looseSpots(query).map((spot) => `${name} query ${spot}`));
      for (const [param, schema] of Object.entries(query.properties ?? {})) {
        if (!queryShaped(schema))
          problems.push(`${name} query ${param}: not text, a whole number, words or a list of text`);
        if (schema.description === undefined)
          problems.push(`${name} query ${param}: no description for the OpenAPI document`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the started server checks every route before its handler: an undeclared query parameter and a body field no schema names are refused with 400 on every route, and nothing changes', async (t) => {
  const s = await startTestServer(t);
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() } },
  });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  await addClient(s, 'PS1', 'client-1', 'pc-1');
  const values: Record<string, string> = {
    code: 'PS1',
    secondary: 'S01',
    id: proposed.body.id,
    name: 'app',
    user: 'admin',
    token: 'admin',
  };
  const before = {
    ports: (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body,
    audit: (await s.server.db.selectFrom('audit_log').select('seq').execute()).length,
  };
  let tried = 0;
  for (const route of s.server.routes) {
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
    // The client's site is looked up from the client itself.
    const target = route.path === '/clients/{id}' ? '/clients/client-1' : path;
    const name = `${route.method} ${target}`;
    if (route.method === 'GET') {
      const res = await s.admin<{ error?: { code: string; details?: { field?: string } } }>(
        'GET',
        `${target}?zz-undeclared=1`,
      );
      assert.equal(res.status, 400, `${name}?zz-undeclared=1 → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'E_VALIDATION', name);
      assert.equal(res.body.error?.details?.field, 'zz-undeclared', name);
    } else {
      const res = await s.admin<{ error?: { code: string } }>(route.method, target, { 'zz-undeclared': 1 });
      assert.equal(res.status, 400, `${name} {"zz-undeclared":1} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'E_VALIDATION', name);
    }
    tried += 1;
  }
  assert.equal(tried, s.server.routes.length);
  assert.deepEqual((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body, before.ports);
  assert.equal(
    (await s.server.db.selectFrom('audit_log').select('seq').execute()).length,
    before.audit,
    'not one audited change',
  );
  assert.equal((await s.admin<RolloutView>('GET', `/rollouts/${proposed.body.id}`)).body.state, proposed.body.state);
});
