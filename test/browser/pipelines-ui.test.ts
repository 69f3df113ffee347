import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { browserSuiteEnabled, ensureUiBuilt, openUiPage, SCREENSHOT_DIR } from './support.js';

// Real parts only: a real `ascent server` process, the example pipeline run by the real CLI in
// one command, the built UI, and a real Chromium reading the run's DAG, logs and registered model.

const run = promisify(execFile);
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000 });

let server: AscentProcess;
let cliOutput = '';
let runId = '';

beforeAll(async () => {
  ensureUiBuilt();
  server = await startAscentProcess();
  // What a new user types: one command, which registers the example, runs it and shows progress.
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'pipelines', 'run', 'examples/typescript/pipeline-cars/pipeline.yaml', '--url', server.url], { cwd: REPO_ROOT, timeout: 180_000 });
  cliOutput = stdout;
  runId = /Run (plr_[0-9a-f]+) started/.exec(stdout)?.[1] ?? '';
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!browserSuiteEnabled())('pipelines in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ browser, page } = await openUiPage({ errors: pageErrors }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('the CLI ran the example to completion with live progress', () => {
    expect(runId).toMatch(/^plr_/);
    expect(cliOutput).toMatch(/train\[0\]\s+succeeded/);
    expect(cliOutput).toMatch(/register\s+succeeded/);
    expect(cliOutput).toContain('models:/cars-mpg/1');
  });

  it('lists the pipeline with its last run and opens the run from the nav', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('.side-nav a.nav-item', { hasText: 'Pipelines' }).click();
    await page.waitForURL('**/pipelines');
    await poll(() => page.locator('[data-testid="pipelines-table"] tbody tr').first().innerText()).toContain('cars-mpg');
    await page.locator('[data-testid="pipelines-table"]').getByRole('link', { name: 'cars-mpg' }).click();
    await poll(() => page.locator('[data-testid="pipeline-definition"]').innerText()).toContain('cars-mpg v1');
    await page.locator('[data-testid="pipeline-runs-table"]').getByRole('link', { name: runId }).click();
    await page.waitForURL(`**/pipelines/runs/${runId}`);
  });

  it('shows the DAG with every step succeeded, and a step log', async () => {
    const node = (step: string) => page.locator(`svg.dag g.dag-node[data-step="${step}"]`);
    await poll(() => node('register').getAttribute('data-state')).toBe('succeeded');
    for (const step of ['prepare', 'train[0]', 'train[3]', 'select']) expect(await node(step).getAttribute('data-state')).toBe('succeeded');
    await node('train[1]').click();
    await poll(() => page.locator('[data-testid="step-panel"]').getAttribute('data-step')).toBe('train[1]');
    await poll(() => page.locator('[data-testid="step-log"]').innerText()).toContain('alpha=1: test r2=');
    await poll(() => page.locator('[data-testid="cache-panel"]').innerText()).toContain('no earlier step ran with this key');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'ui-pipelines-run.png'), fullPage: true });
  });

  it('links the register step to the registered model version', async () => {
    await page.locator('svg.dag g.dag-node[data-step="register"]').click();
    await poll(() => page.locator('[data-testid="step-log"]').innerText()).toContain('registered cars-mpg version 1');
    const link = page.locator('[data-testid="artifacts-panel"]').getByRole('link', { name: 'models:/cars-mpg/1' });
    await link.click();
    await page.waitForURL('**/models/cars-mpg/versions/1');
    await poll(() => page.locator('main').innerText()).toContain('cars-mpg');
    // Lineage reaches the step run that produced the model, its pipeline run and the dataset.
    await poll(() => page.locator('[data-testid="lineage-graph"]').innerText()).toContain('cars');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'ui-pipelines-model.png'), fullPage: true });
  });

  it('a step links to its tracking run, with the metrics it logged', async () => {
    await page.goto(`${server.url}/pipelines/runs/${runId}`);
    await page.locator('svg.dag g.dag-node[data-step="select"]').click();
    await page.locator('[data-testid="artifacts-panel"]').getByRole('link', { name: "Open the step's tracking run" }).click();
    await page.waitForURL('**/runs/*');
    await poll(() => page.locator('main').innerText()).toContain('r2');
    expect(pageErrors).toEqual([]);
  });
});
