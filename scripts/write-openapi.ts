// Writes docs/openapi.json from the admin API's route table (the test checks it is current).
import { writeFileSync } from 'node:fs';
import { adminRoutes, openApiDocument } from '@siteport/server';

const routes = adminRoutes(new Proxy({}, { get: () => undefined }) as Parameters<typeof adminRoutes>[0]);
writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(routes), null, 2)}\n`);
console.log('docs/openapi.json written');
