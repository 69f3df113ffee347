import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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
