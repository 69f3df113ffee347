import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { IRIS, makeOnnxPackage } from '../fixtures/serving/iris-packages.js';
import { browserSuiteEnabled, ensureUiBuilt, openUiPage, SCREENSHOT_DIR } from './support.js';

// Real parts only: a real `ascent server` process serving the skl2onnx iris model with the onnx
// runtime, real predictions through /invocations, the built UI, and a real Chromium.

declare const scrollTo: (x: number, y: number) => void;
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

let server: AscentProcess;

async function call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${url}`, { method, headers: { 'content-type': 'application/json', 'x-ascent-user': 'ada' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Two versions of the iris model in the registry, a deployment with a canary and a shadow, and traffic. */
async function seed(): Promise<void> {
  const dir = makeOnnxPackage(fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-ui-iris-')));
  await call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'iris' });
  for (const v of [1, 2]) {
    for (const file of fs.readdirSync(dir)) {
      const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/ui/iris/v${v}/${file}`, { method: 'PUT', body: fs.readFileSync(path.join(dir, file)) });
      expect(res.ok).toBe(true);
    }
    await call('POST', '/api/2.0/mlflow/model-versions/create', { name: 'iris', source: `mlflow-artifacts:/ui/iris/v${v}` });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await call('POST', '/api/v1/deployments', { name: 'iris-prod', variants: [{ name: 'main', model: 'iris/1' }] });
  await call('PUT', '/api/v1/deployments/iris-prod', {
    variants: [{ name: 'main', model: 'iris/1' }, { name: 'candidate', model: 'iris/2', role: 'canary', percent: 30 }, { name: 'mirror', model: 'iris/2', role: 'shadow', percent: 100 }],
    message: 'canary 30% for iris v2',
  });
  const records = IRIS.rows.slice(0, 5).map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]])));
  for (let i = 0; i < 150; i++) await call('POST', '/deployments/iris-prod/invocations', { dataframe_records: records });
  // One bad request so the error chart has something to show.
  await fetch(`${server.url}/deployments/iris-prod/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [{ sepal_length: 1 }] }) });
}

beforeAll(async () => {
  ensureUiBuilt();
  server = await startAscentProcess();
  await seed();
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!browserSuiteEnabled())('deployments in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ browser, page } = await openUiPage({ errors: pageErrors }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  const shot = async (name: string) => {
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `ui-deployments-${name}.png`), fullPage: true });
  };

  it('lists deployments with variants, served versions and traffic shares', async () => {
    await page.goto(`${server.url}/deployments`);
    const row = page.getByTestId('deployments-table').locator('tbody tr').first();
    await poll(() => row.innerText()).toContain('iris-prod');
    const text = await row.innerText();
    expect(text).toContain('ready');
    expect(text).toMatch(/main\s+iris\/1\s+v1\s+70%/);
    expect(text).toMatch(/candidate\s+iris\/2\s+v2\s+30%/);
    expect(text).toContain('mirror 100%');
    await shot('list');
  });

  it('shows variants, live charts per variant, recent predictions (shadow marked) and revisions', async () => {
    await page.getByRole('link', { name: 'iris-prod' }).click();
    await poll(() => page.getByTestId('variants-table').innerText()).toContain('candidate');
    const variants = await page.getByTestId('variants-table').innerText();
    expect(variants).toMatch(/candidate\s+iris\/2\s+2\s+canary\s+30%/);
    expect(variants).toMatch(/mirror\s+iris\/2\s+2\s+shadow\s+mirror 100%/);
    for (const chart of ['chart-rate', 'chart-latency', 'chart-errors']) {
      await poll(() => page.getByTestId(chart).locator('canvas').count()).toBe(1);
      // The legend names every variant that took traffic.
      await poll(() => page.getByTestId(chart).innerText()).toContain('main');
    }
    await poll(() => page.getByTestId('predictions-table').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('predictions-table').innerText()).toContain('(shadow)');
    expect(await page.getByTestId('revisions-table').innerText()).toContain('canary 30% for iris v2');
    await shot('detail');
  });

  it('rolls back to an earlier revision from the revisions table', async () => {
    await page.getByRole('button', { name: 'Roll back to 1' }).click();
    await poll(() => page.getByTestId('revisions-table').locator('tbody tr').first().innerText()).toContain('rollback to revision 1');
    await poll(() => page.getByTestId('variants-table').locator('tbody tr').count()).toBe(1);
    const d = await call('GET', '/api/v1/deployments/iris-prod');
    expect(d.revision).toBe(3);
    expect(pageErrors).toEqual([]);
    await shot('rolled-back');
  });
});
