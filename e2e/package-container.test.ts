import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readClientStatus } from '@siteport/agent';
import type { ClientList, ManagementPointList, PortsView } from '@siteport/protocol';
import { requirePostgres, startPostgres } from '../test-support/postgres.js';
import { requireTool } from '../test-support/require-tool.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { adminCall, adminUrlOf, startPackaged } from './package-support.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Compose {
  services: Record<
    string,
    {
      image?: string;
      command?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      depends_on?: unknown;
      build?: { dockerfile: string };
    }
  >;
  volumes: Record<string, unknown>;
}

test('compose.yaml is well-formed YAML with PostgreSQL 15, the site server, two additional MPs and three agents on one image', () => {
  const compose = parse(readFileSync(path.join(REPO, 'deploy/container/compose.yaml'), 'utf8'), {
    merge: true,
  }) as Compose;
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'agent1',
    'agent2',
    'agent3',
    'mp1',
    'mp2',
    'postgres',
    'server',
  ]);
  assert.match(compose.services.postgres?.image ?? '', /^postgres:15/);
  assert.equal(compose.services.server?.build?.dockerfile, 'deploy/container/Dockerfile');
  for (const name of ['server', 'mp1', 'mp2', 'agent1', 'agent2', 'agent3'])
    assert.equal(compose.services[name]?.image, 'siteport:latest', name);
  assert.deepEqual(compose.services.server?.command, ['server']);
  for (const mp of ['mp1', 'mp2']) {
    const service = compose.services[mp];
    assert.deepEqual(service?.command, ['mp'], mp);
    assert.match(
      service?.environment?.SITEPORT_DB ?? '',
      /^postgres:\/\/.*@postgres:5432\//,
      `${mp} uses the site's PostgreSQL`,
    );
    assert.deepEqual(
      service?.volumes,
      [`${mp}-data:/var/lib/siteport`],
      `${mp} has a data volume of its own, without the site CA's key`,
    );
  }
  for (const agent of ['agent1', 'agent2', 'agent3']) {
    const service = compose.services[agent];
    assert.deepEqual(service?.command, ['agent'], agent);
    assert.equal(service?.environment?.SITEPORT_AGENT_MP, 'server');
    assert.ok(
      service?.volumes?.includes('site-public:/var/lib/siteport-public:ro'),
      `${agent} sees only the public CA certificate`,
    );
    assert.ok(!service?.volumes?.some((v) => v.includes('-data:')), `${agent} never mounts a server's data`);
  }
  for (const volume of [
    'postgres-data',
    'site-data',
    'mp1-data',
    'mp2-data',
    'site-public',
    'agent1-state',
    'agent2-state',
    'agent3-state',
  ])
    assert.ok(volume in compose.volumes, volume);
  const dockerfile = readFileSync(path.join(REPO, 'deploy/container/Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20-bookworm-slim/m);
  assert.match(
    dockerfile,
    /sh scripts\/package\/container-tree\.sh \/tree/,
    'the image is the tree the script assembles',
  );
  assert.match(dockerfile, /COPY --from=build \/tree\/ \//);
  assert.match(dockerfile, /ENTRYPOINT \[.*"\/usr\/bin\/siteport-entrypoint"\]/);
});

test(
  'the container tree runs a site server, an additional MP and an agent through the entrypoint on PostgreSQL; the agent checks in',
  { timeout: 300_000 },
  async (t) => {
    if (!requirePostgres(t)) return;
    if (!requireTool(t, 'openssl', 'apt-get install openssl')) return;
    const work = tempDir(t, 'siteport-container-');
    const tree = path.join(work, 'tree');
    execFileSync('sh', [path.join(REPO, 'scripts/package/container-tree.sh'), tree], {
      stdio: 'pipe',
      timeout: 240_000,
    });
    const entrypoint = path.join(tree, 'usr/bin/siteport-entrypoint');
    assert.equal(statSync(entrypoint).mode & 0o111, 0o111);
    assert.ok(
      existsSync(path.join(tree, 'usr/lib/siteport/node_modules/better-sqlite3/build/Release/better_sqlite3.node')),
    );
    for (const devOnly of ['eslint', 'playwright-core', 'postject'])
      assert.ok(
        !existsSync(path.join(tree, 'usr/lib/siteport/node_modules', devOnly)),
        `no development dependency (${devOnly})`,
      );
    assert.ok(!existsSync(path.join(tree, 'usr/lib/siteport/node')), 'the image brings its own Node.js');

    const pg = await startPostgres();
    t.after(() => pg.destroy());
    const db = await pg.createDatabase('container');
    const data = path.join(work, 'data');
    const published = path.join(work, 'public/ca.pem');
    // Node.js from PATH, as in the image; nothing from the repository.
    const base = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work };
    const siteEnv = {
      ...base,
      SITEPORT_DATA: data,
      SITEPORT_DB: db,
      SITEPORT_SITE_CODE: 'PS1',
      SITEPORT_LOG_LEVEL: 'warn',
    };
    const server = await startPackaged(t, entrypoint, ['server', ...LOOPBACK_PORT_FLAGS, '--policy-interval', '1'], {
      env: { ...siteEnv, SITEPORT_PUBLISH_CA: published },
      cwd: work,
      ready: /client communication mode/,
    });
    const adminUrl = adminUrlOf(server.output());
    // The MP starts on an empty data dir of its own: the site server signs its certificate.
    const mpData = path.join(work, 'mp-data');
    const mp = await startPackaged(t, entrypoint, ['mp', '--bind', '127.0.0.2'], {
      env: { ...siteEnv, SITEPORT_DATA: mpData },
      cwd: work,
      ready: /client communication mode/,
    });
    const mps = await waitFor('both MPs in the registry', async () => {
      const list = await adminCall<ManagementPointList>(adminUrl, data, '/sites/PS1/management-points');
      return list.managementPoints.filter((m) => m.state === 'running').length === 2 ? list : undefined;
    });
    assert.deepEqual(mps.managementPoints.map((m) => m.role).sort(), ['mp', 'site']);
    assert.ok(!existsSync(path.join(mpData, 'pki/ca-key.pem')), "the MP never holds the site CA's key");

    await waitFor('the CA certificate published', () => existsSync(published));
    assert.equal(readFileSync(published, 'utf8'), readFileSync(path.join(data, 'pki/ca.pem'), 'utf8'));
    assert.doesNotMatch(readFileSync(published, 'utf8'), /PRIVATE KEY/);

    const ports = await adminCall<PortsView>(adminUrl, data, '/sites/PS1/ports');
    const state = path.join(work, 'agent');
    const agent = await startPackaged(t, entrypoint, ['agent', '--log-level', 'info'], {
      env: {
        ...base,
        SITEPORT_AGENT_STATE: state,
        SITEPORT_AGENT_MP: '127.0.0.1',
        SITEPORT_AGENT_SITE_CODE: 'PS1',
        SITEPORT_AGENT_HTTP_PORT: String(ports.http.default),
        SITEPORT_AGENT_HTTPS_PORT: String(ports.https.default),
        SITEPORT_AGENT_CA_FILE: published,
      },
      cwd: work,
    });
    const status = await waitFor('the agent to check in over HTTPS with the pinned CA', () => {
      const now = readClientStatus(state);
      return now.state === 'running' && now.lastContact?.protocol === 'https' ? now : undefined;
    });
    assert.equal(status.siteCode, 'PS1');
    const clients = await waitFor('the site to list the client', async () => {
      const list = await adminCall<ClientList>(adminUrl, data, '/sites/PS1/clients');
      return list.clients.length === 1 ? list : undefined;
    });
    assert.equal(clients.clients[0]?.lastContact?.port, ports.https.default);

    assert.equal(await agent.stop(), 0, agent.output());
    assert.equal(await mp.stop(), 0, mp.output());
    // SIGTERM to the entrypoint reaches the server, which stops gracefully.
    assert.equal(await server.stop(), 0, server.output());
  },
);
