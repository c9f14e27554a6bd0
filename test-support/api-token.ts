import type { TestServer } from './test-server.js';

/** Creates an API token of `role` (limited to `sites` when given) on the test server; returns its secret. */
export async function apiToken(s: TestServer, role: string, sites?: string[]): Promise<string> {
  const created = await s.admin<{ secret: string }>('POST', '/tokens', {
    name: `${role}${sites === undefined ? '' : `-${sites.join('-')}`}`,
    role,
    ...(sites === undefined ? {} : { sites }),
  });
  if (created.status !== 200) throw new Error(`POST /tokens (${role}): HTTP ${created.status}`);
  return created.body.secret;
}
