import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's Chromium, which the browser tests drive through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Chromium flags for a headless test browser as root on a machine without a GPU or internet (a fresh copy per call). */
export function chromiumFlags(): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--headless',
  ];
}

/** Where a browser test writes its screenshots: a temp dir unless SITEPORT_SCREENSHOTS names one (docs/screenshots refreshes the docs' pictures). */
export function screenshotDir(): string {
  return process.env.SITEPORT_SCREENSHOTS === undefined
    ? mkdtempSync(path.join(os.tmpdir(), 'siteport-screenshots-'))
    : path.resolve(process.env.SITEPORT_SCREENSHOTS);
}
