import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readClientStatus } from '@siteport/agent';
import { buildAgentSea } from '@siteport/agent/bundle/sea';
import type { ClientList, PortsView } from '@siteport/protocol';
import { requireTool } from '../test-support/require-tool.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { adminCall, adminUrlOf, startPackaged } from './package-support.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function dpkgDeb(...args: string[]): string {
  return execFileSync('dpkg-deb', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** `dpkg-deb --contents` as path → [mode string, owner]. */
function contents(deb: string): Map<string, { mode: string; owner: string; target?: string }> {
  const map = new Map<string, { mode: string; owner: string; target?: string }>();
  for (const line of dpkgDeb('--contents', deb).split('\n')) {
    const match = /^(\S+) (\S+)\s+\d+ \S+ \S+ \.(\/\S*?)\/?(?: -> (\S+))?$/.exec(line);
    if (match === null) continue;
    map.set(match[3] === '/' ? '/' : match[3]!, {
      mode: match[1]!,
      owner: match[2]!,
      ...(match[4] === undefined ? {} : { target: match[4] }),
    });
  }
  return map;
}

test(
  'the server and agent .debs carry their files, units, conffile and maintainer scripts; unpacked into a throwaway root, the server runs on its own Node.js and the agent checks in',
  { timeout: 420_000 },
  async (t) => {
    if (!requireTool(t, 'dpkg-deb', 'apt-get install dpkg')) return;
    const work = tempDir(t, 'siteport-deb-');
    const sea = await buildAgentSea({ outDir: path.join(work, 'sea') });
    const out = path.join(work, 'out');
    const built = spawnSync('sh', [path.join(REPO, 'scripts/package/build-debs.sh'), out], {
      encoding: 'utf8',
      timeout: 300_000,
      // Fast compression for the test; the packages' contents are the same as with the default xz.
      env: { ...process.env, SITEPORT_AGENT_SEA: sea.file, SITEPORT_DEB_COMPRESSION: 'gzip', SITEPORT_DEB_LEVEL: '1' },
    });
    assert.equal(built.status, 0, built.stderr);
    const packageVersion = `${(JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version}-1`;
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const serverDeb = path.join(out, `siteport_${packageVersion}_${arch}.deb`);
    const agentDeb = path.join(out, `siteport-agent_${packageVersion}_${arch}.deb`);
    assert.deepEqual(built.stdout.trim().split('\n'), [serverDeb, agentDeb]);

    // --info: the control fields and the maintainer scripts.
    const field = (deb: string, name: string): string => dpkgDeb('--field', deb, name).trim();
    assert.equal(field(serverDeb, 'Package'), 'siteport');
    assert.equal(field(serverDeb, 'Version'), packageVersion);
    assert.equal(field(serverDeb, 'Architecture'), arch);
    assert.match(field(serverDeb, 'Depends'), /\badduser\b/);
    assert.equal(field(agentDeb, 'Package'), 'siteport-agent');
    assert.doesNotMatch(field(agentDeb, 'Depends'), /nodejs/, 'the agent needs no Node.js');
    const info = dpkgDeb('--info', serverDeb);
    for (const member of ['conffiles', 'control', 'md5sums', 'postinst', 'prerm', 'postrm'])
      assert.match(info, new RegExp(`\\s${member}\\s`), member);
    const control = path.join(work, 'control');
    dpkgDeb('--control', serverDeb, control);
    assert.equal(readFileSync(path.join(control, 'conffiles'), 'utf8'), '/etc/siteport/server.toml\n');
    const postinst = readFileSync(path.join(control, 'postinst'), 'utf8');
    assert.match(postinst, /adduser --system --group --home \/var\/lib\/siteport .*siteport/s);
    assert.match(postinst, /install -d -m 0700 -o siteport -g siteport \/var\/lib\/siteport/);
    for (const script of ['postinst', 'prerm', 'postrm']) {
      assert.equal(statSync(path.join(control, script)).mode & 0o777, 0o755, script);
      assert.equal(spawnSync('sh', ['-n', path.join(control, script)]).status, 0, `${script} parses`);
    }

    // --contents: where the files go, all owned by root.
    const server = contents(serverDeb);
    for (const file of [
      '/usr/bin/siteport',
      '/usr/lib/siteport/node/bin/node',
      '/usr/lib/siteport/apps/cli/bin/siteport.js',
      '/etc/siteport/server.toml',
      '/lib/systemd/system/siteport-server.service',
      '/lib/systemd/system/siteport-mp@.service',
      '/usr/share/doc/siteport/copyright',
    ]) {
      assert.ok(server.has(file), file);
    }
    assert.equal(server.get('/usr/bin/siteport')?.mode, '-rwxr-xr-x');
    assert.ok(
      [...server.values()].every((entry) => entry.owner === 'root/root'),
      'every file owned by root',
    );
    assert.ok(
      ![...server.keys()].some(
        (file) => (file.endsWith('.test.ts') && !file.includes('/node_modules/')) || file.startsWith('/var/'),
      ),
      'no siteport tests; the data dir is made by postinst',
    );
    const agentFiles = contents(agentDeb);
    assert.equal(agentFiles.get('/usr/bin/siteport-agent')?.target, '../lib/siteport/agent/siteport-agent');
    assert.equal(agentFiles.get('/usr/lib/siteport/agent/siteport-agent')?.mode, '-rwxr-xr-x');
    assert.ok(agentFiles.has('/lib/systemd/system/siteport-agent.service'));

    // Unpack both into a throwaway root (never this machine's): the units name files that are there.
    const root = path.join(work, 'root');
    execFileSync('dpkg', ['-x', serverDeb, root]);
    execFileSync('dpkg', ['-x', agentDeb, root]);
    for (const unit of ['siteport-server.service', 'siteport-mp@.service', 'siteport-agent.service']) {
      const text = readFileSync(path.join(root, 'lib/systemd/system', unit), 'utf8');
      const exec = /^ExecStart=(\S+)/m.exec(text)?.[1] ?? '';
      accessSync(path.join(root, exec), constants.X_OK);
      assert.doesNotMatch(text, /\/opt\/siteport/, `${unit} names no repository checkout`);
    }
    assert.match(
      readFileSync(path.join(root, 'lib/systemd/system/siteport-server.service'), 'utf8'),
      /^ExecStart=\/usr\/bin\/siteport server --config \/etc\/siteport\/server\.toml$/m,
    );
    assert.equal(
      readFileSync(path.join(root, 'etc/siteport/server.toml'), 'utf8'),
      readFileSync(path.join(REPO, 'deploy/config/server.toml'), 'utf8'),
    );

    const env = { PATH: '/usr/bin:/bin', HOME: work };
    const data = path.join(work, 'data');
    const siteport = path.join(root, 'usr/bin/siteport');
    const site = await startPackaged(
      t,
      siteport,
      [
        'server',
        '--data',
        data,
        '--site-code',
        'PS1',
        ...LOOPBACK_PORT_FLAGS,
        '--policy-interval',
        '1',
        '--log-level',
        'warn',
      ],
      {
        env,
        cwd: work,
        ready: /client communication mode/,
      },
    );
    assert.equal(
      readlinkSync(`/proc/${site.child.pid}/exe`),
      path.join(root, 'usr/lib/siteport/node/bin/node'),
      'the server runs on the Node.js the package ships',
    );
    const adminUrl = adminUrlOf(site.output());
    const ports = await adminCall<PortsView>(adminUrl, data, '/sites/PS1/ports');
    const fingerprint = /\(SMSCAFINGERPRINT\): ([0-9a-f]{64})/.exec(site.output())?.[1];
    assert.ok(fingerprint !== undefined, site.output());

    const state = path.join(work, 'agent');
    const agentBin = path.join(root, 'usr/bin/siteport-agent');
    const setup = spawnSync(
      agentBin,
      [
        'setup',
        '--state',
        state,
        'SMSSITECODE=PS1',
        'SMSMP=127.0.0.1',
        `CCMHTTPPORT=${ports.http.default}`,
        `CCMHTTPSPORT=${ports.https.default}`,
        `SMSCAFINGERPRINT=${fingerprint}`,
      ],
      { env, cwd: work, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(setup.status, 0, setup.stderr);
    const agent = await startPackaged(t, agentBin, ['agent', '--state', state, '--log-level', 'warn'], {
      env,
      cwd: work,
    });
    await waitFor('the packaged agent to check in over HTTPS', () => {
      const now = readClientStatus(state);
      return now.state === 'running' && now.lastContact?.protocol === 'https' ? now : undefined;
    });
    await waitFor(
      'the site to list the client',
      async () => (await adminCall<ClientList>(adminUrl, data, '/sites/PS1/clients')).clients.length === 1,
    );
    assert.equal(await agent.stop(), 0, agent.output());
    assert.equal(await site.stop(), 0, site.output());
    assert.ok(existsSync(path.join(data, 'pki/ca.pem')));
  },
);
