// Monitoring → Agent upgrades in Chromium: the progress of an upgrade of real agents run from the
// offline bundle, and the administrator offering it to the rest from the console.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { UpgradeView } from '@siteport/protocol';
import { screenshotDir } from '../test-support/chromium.js';
import { newPage, openBrowser, signInAsAdmin } from '../test-support/console-fixture.js';
import { type Site, agents, cli, register, site, view } from '../test-support/upgrade-site.js';
import { waitFor } from '../test-support/wait-for.js';

// Screenshots go to a temp dir unless SITEPORT_SCREENSHOTS=docs/screenshots refreshes the docs' ones.
const SCREENSHOTS = screenshotDir();

/** Makes the release-signing key and sets its public key on the site, all through the real CLI. */
async function releaseKey(x: Site): Promise<void> {
  const made = await cli(['upgrade', 'keygen', '--out', x.keys]);
  x.fingerprint = /SMSRELEASEKEY=([0-9a-f]{64})/.exec(made)?.[1] ?? '';
  await cli(['upgrade', 'key', 'set', path.join(x.keys, 'release-key.pub.pem'), ...x.conn]);
  assert.match(await cli(['upgrade', 'key', 'show', ...x.conn]), new RegExp(`SMSRELEASEKEY=${x.fingerprint}`));
}

test(
  'the agent upgrades view shows the canary wave upgraded and the rest waiting; Offer to the rest completes the upgrade',
  { timeout: 300_000 },
  async (t) => {
    const browser = await openBrowser(t);
    if (browser === undefined) return;
    const x = await site(t);
    await releaseKey(x);
    await agents(x, 5, 60);
    await register(x, '0.2.0');
    const started = JSON.parse(
      await cli(['upgrade', 'start', '0.2.0', '--canary', '40', '--json', ...x.conn]),
    ) as UpgradeView;
    await waitFor('the canaries upgraded', async () => (await view(x, started.id)).state === 'waiting', 120_000);

    const page = await newPage(browser);
    await signInAsAdmin(page, x.s.adminUrl, x.s.dataDir);

    await page.getByRole('link', { name: 'Agent upgrades' }).click();
    await page.getByRole('table', { name: 'Agent upgrades of site PS1' }).getByRole('row').nth(1).click();
    await waitFor(
      'the waiting state',
      async () => (await page.getByTestId('upgrade-state').textContent()) === 'waiting for confirmation',
      30_000,
      250,
    );
    assert.match((await page.getByTestId('wave-canary').textContent()) ?? '', /Canary wave: 2.*upgraded 2/);
    assert.match((await page.getByTestId('wave-rest').textContent()) ?? '', /The rest: 3.*not offered yet 3/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'agent-upgrade-waiting.png'), fullPage: true });

    await page.getByRole('button', { name: 'Offer to the rest' }).click();
    await waitFor(
      'the upgrade complete',
      async () => (await page.getByTestId('upgrade-state').textContent()) === 'complete',
      180_000,
      500,
    );
    assert.match((await page.getByTestId('wave-rest').textContent()) ?? '', /upgraded 3/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'agent-upgrade-complete.png'), fullPage: true });
    const audit = await cli(['audit', '--json', ...x.conn]);
    assert.match(
      audit,
      /"action":\s*"upgrade.advance"[^}]*"actor":\s*"user:admin"|"actor":\s*"user:admin"[^}]*"action":\s*"upgrade.advance"/,
    );
  },
);
