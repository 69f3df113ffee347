import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AscentClient, type PipelineTrigger } from '../../src/sdk/index.js';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { assertChromiumInstalled, browserSuiteEnabled, CHROMIUM_ARGS, CHROMIUM_PATH, ensureUiBuilt, SCREENSHOT_DIR } from '../browser/support.js';

// A real `ascent server` process, the built UI and a real Chromium on the triggers page of a pipeline.
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000 });

describe.skipIf(!browserSuiteEnabled())('pipeline triggers page in Chromium', () => {
  let server: AscentProcess;
  let client: AscentClient;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let event: PipelineTrigger;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt();
    assertChromiumInstalled();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-triggers-ui-'));
    server = await startAscentProcess();
    client = new AscentClient({ baseUrl: server.url, user: null });
    await client.pipelines.register({ baseDir: dir, yaml: 'name: nightly\nsteps:\n  only: { run: node -e "console.log(1)", cache: false }\n' });
    await client.pipelineTriggers.create({ pipeline: 'nightly', kind: 'schedule', config: { cron: '0 3 * * *', timezone: 'Europe/Paris' }, description: 'every night' });
    event = await client.pipelineTriggers.create({ pipeline: 'nightly', kind: 'event', config: { eventType: 'monitor.drift' } });
    await client.pipelineTriggers.publishEvent('monitor.drift', { eventId: 'alert-1', payload: { feature: 'age' } });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists schedules and triggers with their firing history, fires, adds a schedule and disables', async () => {
    await page.goto(`${server.url}/pipelines/nightly/triggers`);
    const rows = page.locator('[data-testid="pipeline-triggers-table"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    const text = await page.locator('[data-testid="pipeline-triggers-table"]').innerText();
    expect(text).toContain('cron 0 3 * * * (Europe/Paris), missed slots: skip');
    expect(text).toContain('event monitor.drift');
    const history = page.locator('[data-testid="trigger-firings-table"] tbody tr');
    await poll(() => history.count()).toBe(1);
    expect(await history.first().innerText()).toContain('event:alert-1');

    await rows.filter({ hasText: event.triggerId }).getByRole('button', { name: 'Fire now' }).click();
    await poll(() => history.count()).toBe(2);
    const firings = await client.pipelineTriggers.firings({ pipeline: 'nightly' });
    const manual = firings.find((f) => f.cause === 'http')!;
    expect(manual.runId).toMatch(/^plr_/);
    await poll(() => page.locator('[data-testid="trigger-firings-table"]').getByRole('link', { name: manual.runId! }).count()).toBe(1);

    await page.getByLabel('cron expression').fill('*/15 * * * *');
    await page.getByLabel('missed slots').selectOption('catch_up');
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await poll(() => rows.count()).toBe(3);
    expect(await page.locator('[data-testid="pipeline-triggers-table"]').innerText()).toContain('cron */15 * * * * (UTC), missed slots: catch up');

    await rows.filter({ hasText: event.triggerId }).getByRole('button', { name: 'Disable' }).click();
    await poll(async () => (await client.pipelineTriggers.get(event.triggerId)).enabled).toBe(false);
    await poll(() => rows.filter({ hasText: event.triggerId }).getByRole('button', { name: 'Fire now' }).isDisabled()).toBe(true);

    // A bad expression is refused with the field named, and nothing is added.
    await page.getByLabel('cron expression').fill('every day');
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await poll(() => page.locator('body').innerText()).toContain('config.cron');
    expect(await rows.count()).toBe(3);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'ui-pipeline-triggers.png'), fullPage: true });
    // The refused POST logs a 400 in the console; nothing else may.
    expect(pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 120_000);
});
