import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { DEFAULT_AGENT_BUNDLE, agentBundleSource } from './agent-bundle-source.js';

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bundle-source-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('agentBundleSource', () => {
  it('serves the prebuilt tarball and reads it again at each push, so a rebuilt bundle goes out next', async (t) => {
    const file = path.join(tempDir(t), 'siteport-agent-1.2.3.tar.gz');
    writeFileSync(file, 'first');
    const bundle = agentBundleSource(file);
    assert.deepEqual(await bundle(), {
      file,
      folder: 'siteport-agent-1.2.3',
      version: '1.2.3',
      sha256: 'a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e',
      bytes: 5,
    });
    writeFileSync(file, 'second');
    assert.equal((await bundle()).bytes, 6);
  });

  it('says which command builds a missing bundle', async (t) => {
    const file = path.join(tempDir(t), 'siteport-agent-1.2.3.tar.gz');
    await assert.rejects(
      agentBundleSource(file)(),
      (e) => isSiteportError(e, 'E_OPTION') && e.message.includes(file) && e.message.includes('npm run bundle:agent'),
    );
  });

  it('refuses a file not named like a bundle, whose folder inside it cannot know', async () => {
    await assert.rejects(agentBundleSource('/tmp/agent.tgz')(), (e) => isSiteportError(e, 'E_OPTION'));
  });

  it("defaults to the build step's output in the agent workspace", () => {
    assert.match(DEFAULT_AGENT_BUNDLE, /apps\/agent\/dist\/siteport-agent-\d+\.\d+\.\d+\.tar\.gz$/);
  });
});
