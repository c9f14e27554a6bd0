import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../test-support/require-tool.js';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Runs the agent command line a service definition holds, with its state folder swapped for an empty one. */
async function agentAccepts(args: string[], stateDir: string, t: Parameters<typeof tempDir>[0]): Promise<void> {
  const at = args.indexOf('--state');
  assert.ok(at >= 0 && args[at + 1] !== undefined, `${args.join(' ')} names a state folder`);
  const local = [...args];
  local[at + 1] = path.join(tempDir(t), 'empty');
  const result = await runCli(local);
  // Past option parsing: the agent refuses only because no client is installed in the empty folder.
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /E_NOT_INSTALLED: no siteport client is installed/);
  assert.ok(args.includes(stateDir), `${args.join(' ')} uses ${stateDir}`);
}

test('the macOS launchd plist runs the single-executable agent with a command line the agent accepts, kept alive, stopped gracefully', async (t) => {
  if (!requireTool(t, 'python3', 'apt-get install python3')) return;
  const plist = path.join(REPO, 'deploy/macos/org.siteport.agent.plist');
  const parsed = JSON.parse(
    execFileSync(
      'python3',
      ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', plist],
      { encoding: 'utf8' },
    ),
  ) as {
    Label: string;
    ProgramArguments: string[];
    RunAtLoad: boolean;
    KeepAlive: boolean;
    ExitTimeOut: number;
    Umask: number;
  };
  assert.equal(parsed.Label, 'org.siteport.agent');
  const [program, ...args] = parsed.ProgramArguments;
  assert.equal(program, '/usr/local/lib/siteport/siteport-agent');
  assert.equal(args[0], 'agent');
  await agentAccepts(args, '/Library/Application Support/siteport-agent', t);
  assert.equal(parsed.RunAtLoad, true);
  assert.equal(parsed.KeepAlive, true);
  assert.ok(parsed.ExitTimeOut >= 10, 'time for a graceful stop after SIGTERM');
  assert.equal(parsed.Umask, 0o077, 'state files private');
  const installer = path.join(REPO, 'deploy/macos/install-agent.sh');
  assert.equal(spawnSync('sh', ['-n', installer]).status, 0);
  assert.match(readFileSync(installer, 'utf8'), /install -m 0755 "\$here\/siteport-agent" "\$lib\/siteport-agent"/);
});

test('the Windows service definition runs siteport-agent.exe through WinSW with a command line the agent accepts', async (t) => {
  if (!requireTool(t, 'python3', 'apt-get install python3')) return;
  const xml = path.join(REPO, 'deploy/windows/siteport-agent-service.xml');
  const script = [
    'import json, shlex, sys, xml.etree.ElementTree as ET',
    'root = ET.parse(sys.argv[1]).getroot()',
    'print(json.dumps({"tag": root.tag, **{child.tag: (child.text or "").strip() for child in root}, "arguments": shlex.split(root.findtext("arguments"), posix=True), "onfailure": root.find("onfailure").attrib}))',
  ].join('\n');
  const parsed = JSON.parse(execFileSync('python3', ['-c', script, xml], { encoding: 'utf8' })) as {
    tag: string;
    id: string;
    executable: string;
    arguments: string[];
    stoptimeout: string;
    startmode: string;
    onfailure: { action: string };
  };
  assert.equal(parsed.tag, 'service');
  assert.equal(parsed.id, 'siteport-agent');
  assert.equal(parsed.executable, '%BASE%\\siteport-agent.exe');
  assert.equal(parsed.arguments[0], 'agent');
  await agentAccepts(parsed.arguments, '%ProgramData%\\siteport-agent\\state', t);
  assert.equal(parsed.startmode, 'Automatic');
  assert.equal(parsed.stoptimeout, '15 sec');
  assert.equal(parsed.onfailure.action, 'restart');
  const installer = readFileSync(path.join(REPO, 'deploy/windows/install-agent.ps1'), 'utf8');
  assert.match(installer, /siteport-agent-service\.xml/);
  assert.match(installer, /& \$wrapper install/);
  assert.match(
    installer,
    /icacls\.exe \$dataDir \/inheritance:r/,
    'the state folder is restricted to SYSTEM and Administrators',
  );
});
