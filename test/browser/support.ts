import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/ascent-process.js';

/** Helpers of the browser suite: a fresh UI build and Chromium (the server process comes from test/support). */

export const CHROMIUM_PATH = process.env.ASCENT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Build the UI into dist/web unless the build is newer than every source file. */
export function ensureUiBuilt(): void {
  const index = path.join(REPO_ROOT, 'dist', 'web', 'index.html');
  const web = path.join(REPO_ROOT, 'web');
  const sources = Math.max(newestMtime(path.join(web, 'src')), newestMtime(path.join(web, 'index.html')), newestMtime(path.join(web, 'vite.config.ts')));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

/**
 * Whether the browser suite runs: Chromium must be installed unless ASCENT_SKIP_BROWSER=1 says
 * to skip, so a machine without it fails loudly instead of passing silently.
 */
export function browserSuiteEnabled(): boolean {
  return process.env.ASCENT_SKIP_BROWSER !== '1';
}

export function assertChromiumInstalled(): void {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it (apt-get install chromium), point ASCENT_CHROMIUM at a Chromium binary, or set ASCENT_SKIP_BROWSER=1 to skip the browser suite.`,
    );
  }
}

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results');

export interface UiPageOptions {
  /** Collects uncaught page errors and (see `console`) console errors; tests assert it stays empty. */
  errors: string[];
  /** Viewport height (width is 1440). */
  height?: number;
  /** Record console errors: all (default), none, or those whose source URL passes the filter. */
  console?: boolean | ((url: string) => boolean);
}

/** Chromium with one page set up the way every browser test uses it; close the browser after. */
export async function openUiPage(options: UiPageOptions): Promise<{ browser: Browser; page: Page }> {
  assertChromiumInstalled();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1440, height: options.height ?? 1000 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => options.errors.push(err.message));
  const record = options.console ?? true;
  if (record !== false) {
    page.on('console', (msg) => {
      if (msg.type() === 'error' && (record === true || record(msg.location().url))) options.errors.push(`${msg.text()} (${msg.location().url})`);
    });
  }
  return { browser, page };
}
