import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ClientList, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { freePort } from '../test-support/ports.js';
import { adminPassword, newPage, openBrowser } from '../test-support/console-fixture.js';
import { LOOPBACK_PORT_FLAGS, startCliServer } from '../test-support/server-flags.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';
import { screenshotDir } from '../test-support/chromium.js';

const SCREENSHOTS = screenshotDir();

interface Site {
  adminUrl: string;
  password: string;
  admin: <T>(method: string, p: string) => Promise<T>;
}

/** A real `siteport server` on free loopback ports, policy every second. */
async function startSite(t: TestContext): Promise<Site> {
  const dataDir = tempDir(t, 'siteport-console-i18n-');
  const { adminUrl } = await startCliServer(t, dataDir, [
    ...LOOPBACK_PORT_FLAGS,
    '--policy-interval',
    '1',
    '--active-window',
    '10',
    '--public-host',
    '127.0.0.1',
  ]);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const password = adminPassword(dataDir);
  const admin = async <T>(method: string, p: string): Promise<T> => {
    const res = await fetch(`${adminUrl}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as T;
  };
  return { adminUrl, password, admin };
}

const htmlLang = (page: Page): Promise<string | null> => page.locator('html').getAttribute('lang');
const storedLanguage = (page: Page): Promise<string | null> =>
  page.evaluate<string | null>("window.localStorage.getItem('siteport.console.language')");

test('the console in Korean: switched in the header and kept across a reload, the Sites, Ports, Port Details, Devices and Rollouts views speak Korean, a port change works with Korean validation errors, and English comes back', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  const ports = await site.admin<PortsView>('GET', '/sites/PS1/ports');
  const { caFingerprint } = await site.admin<{ caFingerprint: string }>('GET', '/sites/PS1');
  const [agent] = createFleet(t, { count: 1, ports, caFingerprint, httpOnly: () => true });
  await agent!.start();
  await waitFor(
    'the agent checked in',
    async () => (await site.admin<ClientList>('GET', '/sites/PS1/clients')).clients.some((c) => c.lastContact !== null),
    60_000,
  );

  // Headless Chromium reports en-US: the console starts in English, as the other browser tests expect.
  const page = await newPage(browser);
  await page.goto(`${site.adminUrl}/console/`);
  assert.equal(await page.evaluate<string>('navigator.language'), 'en-US');
  assert.equal(await htmlLang(page), 'en');
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(site.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  assert.equal(await page.getByTestId('who').textContent(), 'admin (administrator)');

  await page.getByTestId('language').selectOption('ko');
  await page.getByRole('link', { name: '사이트 구성 → 사이트' }).waitFor();
  assert.equal(await htmlLang(page), 'ko');
  assert.equal(await storedLanguage(page), 'ko');
  assert.equal(await page.getByTestId('who').textContent(), 'admin (관리자)');
  assert.equal(await page.getByRole('button', { name: '로그아웃' }).count(), 1);

  // Sites
  await page.getByRole('link', { name: '사이트 구성 → 사이트' }).click();
  await page.getByRole('heading', { name: '사이트', exact: true }).waitFor();
  const sites = page.getByRole('table', { name: '사이트' });
  assert.deepEqual(await sites.getByRole('columnheader').allTextContents(), [
    '사이트',
    '코드',
    '유형',
    '관리 지점',
    '클라이언트 (활성 / 전체)',
  ]);
  const ps1 = sites.getByRole('row').filter({ hasText: 'PS1' });
  assert.match((await ps1.textContent()) ?? '', /기본 사이트/);
  assert.match((await ps1.textContent()) ?? '', /HTTP [\d.:\[\]]+ \(IPv[46][^)]*\) 수신 대기 중/);
  await ps1.click();
  await page.getByRole('button', { name: '속성' }).click();

  // Ports and Port Details: the protocol's validation error in Korean, then a real change.
  const tab = page.getByRole('tabpanel', { name: '포트' });
  await tab.waitFor();
  assert.equal(await page.getByRole('heading', { name: 'PS1 속성' }).count(), 1);
  assert.equal(await tab.locator('tr[data-item="http"] td').first().textContent(), '클라이언트 요청 HTTP 포트');
  assert.equal(await tab.getByRole('checkbox', { name: '사용자 지정 웹 사이트 사용 (SMSWeb)' }).count(), 1);
  await tab.locator('tr[data-item="http"]').click();
  await tab.getByRole('button', { name: '속성' }).click();
  const details = page.getByRole('dialog', { name: '포트 세부 정보' });
  await details.getByLabel('포트 번호').fill('0');
  await details.getByRole('button', { name: '확인' }).click();
  const alert = details.getByRole('alert');
  await alert.waitFor();
  assert.equal(
    await alert.textContent(),
    '클라이언트 요청 HTTP 포트: 포트 번호는 1~65535 사이의 정수여야 합니다(입력값: "0").',
  );
  assert.equal(await details.getByLabel('포트 번호').getAttribute('aria-invalid'), 'true');
  await details.getByLabel('포트 번호').fill(String(ports.https.default));
  await details.getByRole('button', { name: '확인' }).click();
  assert.match((await alert.textContent()) ?? '', new RegExp(`같은 TCP 포트 ${ports.https.default}`));
  await page.screenshot({ path: path.join(SCREENSHOTS, 'port-details-error-ko.png') });
  const next = await freePort();
  await details.getByLabel('포트 번호').fill(String(next));
  await details.getByRole('button', { name: '확인' }).click();
  await details.waitFor({ state: 'detached' });
  assert.equal(await tab.locator('tr[data-item="http"] td').nth(1).textContent(), String(next));
  await page.getByRole('button', { name: '확인', exact: true }).click();
  const impact = page.getByRole('dialog', { name: '이 변경의 영향' });
  await impact.waitFor();
  assert.equal(await impact.getByTestId('added').textContent(), `HTTP ${next}`);
  assert.deepEqual(
    await impact
      .getByRole('table', { name: '범주별 클라이언트' })
      .getByRole('row')
      .nth(1)
      .getByRole('cell')
      .allTextContents(),
    ['작업 그룹', '1', '1', '0', '1', '0'],
  );
  await impact.getByRole('button', { name: '변경 확인' }).click();
  const done = page.getByRole('dialog', { name: '변경 적용됨' });
  await done.waitFor();
  assert.match((await done.textContent()) ?? '', /PS1의 설정이 이제 버전 2입니다/);
  await done.getByRole('link', { name: '롤아웃 진행 상황 보기' }).click();

  // Rollouts: states, counts and dates in Korean.
  await page.getByRole('heading', { name: '포트 변경 롤아웃' }).waitFor();
  const rollout = (await site.admin<{ rollouts: RolloutView[] }>('GET', '/sites/PS1/rollouts')).rollouts[0]!;
  assert.equal(rollout.to.http.default, next);
  await waitFor(
    'the rollout view shows it finalized, in Korean',
    async () => (await page.getByTestId('rollout-state').textContent()) === '완료됨',
    60_000,
    250,
  );
  assert.equal(await page.getByTestId('moved').textContent(), '1');
  assert.match(
    (await page.getByRole('table', { name: 'PS1의 롤아웃' }).getByRole('row').nth(1).textContent()) ?? '',
    /\d{4}\. \d{1,2}\. \d{1,2}\. (오전|오후) /,
  );
  assert.equal(await page.getByText('이동 완료', { exact: true }).count(), 1);

  // Devices: headers, state words, an action and its result in Korean.
  await page.getByRole('link', { name: '장치' }).click();
  const devices = page.getByRole('table', { name: 'PS1의 장치' });
  await waitFor(
    'Devices shows the agent on the new port',
    async () => (await devices.getByTestId('port-in-use').allTextContents()).join() === `HTTP ${next}`,
    30_000,
    250,
  );
  assert.ok((await devices.getByRole('columnheader').allTextContents()).includes('사용 중인 포트 및 프로토콜'));
  const row = devices.getByRole('row').nth(1);
  assert.equal(await row.getByRole('cell').nth(2).textContent(), '작업 그룹');
  assert.equal(await row.getByRole('cell').nth(3).textContent(), '온라인');
  assert.equal(await row.getByTestId('registration').textContent(), '활성');
  await row.getByRole('button', { name: '지금 정책 다운로드' }).click();
  await waitFor(
    'the policy action is acknowledged, in Korean',
    async () =>
      /^정책: 확인됨 \((tcp|http-poll) 경유\)$/.test((await row.getByTestId('action-result').textContent()) ?? ''),
    30_000,
    250,
  );
  assert.match((await page.locator('p.muted').last().textContent()) ?? '', /^사이트 PS1: 클라이언트 1대 중 1대 표시/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'devices-ko.png'), fullPage: true });

  // The choice survives a reload; switching back restores English everywhere.
  await page.reload();
  await page.getByRole('heading', { name: '장치' }).waitFor();
  assert.equal(await htmlLang(page), 'ko');
  await page.getByTestId('language').selectOption('en');
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await storedLanguage(page), 'en');
  assert.equal(
    await page
      .getByRole('table', { name: 'Devices of PS1' })
      .getByRole('row')
      .nth(1)
      .getByRole('cell')
      .nth(3)
      .textContent(),
    'online',
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, 'devices-en.png'), fullPage: true });
});

test('a browser whose language is Korean opens the console in Korean; a stored English choice wins over it', async (t) => {
  const browser = await openBrowser(t);
  if (browser === undefined) return;
  const site = await startSite(t);
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${site.adminUrl}/console/`);
  await page.getByRole('form', { name: '로그인' }).waitFor();
  assert.equal(await htmlLang(page), 'ko');
  assert.match(
    (await page.locator('.hint').textContent()) ?? '',
    /^최초 관리자 계정은 admin이며, 비밀번호는 <데이터 디렉터리>\/console-initial-password 파일에 있습니다\.$/,
  );
  await page.getByLabel('사용자 이름').fill('admin');
  await page.getByLabel('비밀번호').fill('not the password at all');
  await page.getByRole('button', { name: '로그인' }).click();
  assert.equal(await page.getByRole('alert').textContent(), '사용자 이름 또는 비밀번호가 잘못되었습니다. (E_SIGN_IN)');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'sign-in-ko.png') });

  await page.getByTestId('language').selectOption('en');
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  assert.equal(await htmlLang(page), 'en', 'the stored choice, not the browser language');
});
