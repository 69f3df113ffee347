import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { IRIS, makeOnnxPackage } from '../fixtures/serving/iris-packages.js';
import { browserSuiteEnabled, ensureUiBuilt, openUiPage, SCREENSHOT_DIR } from './support.js';

// Real parts only: a real `ascent server` process serving the skl2onnx iris model, real predictions
// through the native predict API, delayed labels through the feedback API, the built UI, Chromium.

declare const scrollTo: (x: number, y: number) => void;
let server: AscentProcess;

async function call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${url}`, { method, headers: { 'content-type': 'application/json', 'x-ascent-user': 'ada' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const records = (shift: number) => IRIS.rows.map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, j === 2 ? r[j]! + shift : r[j]!])));

/** Iris v1 deployed, its profile uploaded, a monitor with 3 s windows, calm then shifted traffic, then labels. */
async function seed(): Promise<void> {
  const dir = makeOnnxPackage(fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-ui-monitor-')));
  await call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'iris' });
  for (const file of fs.readdirSync(dir)) {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/ui/iris/v1/${file}`, { method: 'PUT', body: fs.readFileSync(path.join(dir, file)) });
    expect(res.ok).toBe(true);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await call('POST', '/api/2.0/mlflow/model-versions/create', { name: 'iris', source: 'mlflow-artifacts:/ui/iris/v1' });
  await call('POST', '/api/v1/deployments', { name: 'iris-prod', variants: [{ name: 'main', model: 'iris/1' }] });
  await call('POST', '/api/v1/monitoring/profiles', { modelName: 'iris', modelVersion: '1', records: records(0) });
  await call('PUT', '/api/v1/monitors/iris-prod', { windowSeconds: 3, task: 'classification', rules: [{ name: 'feature-drift', metric: 'drift.*', op: '>=', threshold: 1 }] });

  const sent: { requestId: string; labels: number[] }[] = [];
  const phase = async (shift: number) => {
    for (let i = 0; i < IRIS.rows.length; i += 10) {
      const r = (await call('POST', '/api/v1/deployments/iris-prod/predict', { records: records(shift).slice(i, i + 10) })) as { requestId: string };
      sent.push({ requestId: r.requestId, labels: IRIS.labels.slice(i, i + 10) });
    }
  };
  // Start each phase at a window boundary so it lands in its own window.
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(3000 - (Date.now() % 3000) + 50);
  await phase(0);
  await wait(3000 - (Date.now() % 3000) + 50);
  await phase(2.5);
  // Ground truth arrives later, for every request.
  await call('POST', '/api/v1/deployments/iris-prod/feedback', { feedback: sent });
}

beforeAll(async () => {
  ensureUiBuilt();
  server = await startAscentProcess();
  await seed();
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!browserSuiteEnabled())('monitoring in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ browser, page } = await openUiPage({ errors: pageErrors, console: false }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the drift table with histograms, drift over time and the alerts of a deployment', async () => {
    // Two closed windows: the calm one and the shifted one.
    await expect.poll(async () => ((await call('GET', '/api/v1/monitors/iris-prod/windows')) as { items: { closed: boolean }[] }).items.filter((w) => w.closed).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await page.goto(`${server.url}/monitoring`);
    await page.getByRole('link', { name: 'iris-prod' }).click();
    await page.getByTestId('drift-table').waitFor();
    const rows = page.getByTestId('drift-table').locator('tbody tr');
    expect(await rows.count()).toBe(IRIS.features.length);
    // The shifted feature (third column, petal length) is flagged; a histogram is drawn per feature.
    const shifted = IRIS.features[2]!;
    await expect.poll(async () => page.getByTestId('drift-table').locator('tr', { hasText: shifted }).innerText()).toContain('drift');
    expect(await page.locator('[data-testid^="histogram-"]').count()).toBe(IRIS.features.length);
    await page.getByTestId('chart-Drift share').locator('polyline').waitFor();
    await expect.poll(async () => page.getByTestId('monitor-alerts').innerText()).toContain(`drift.${shifted}`);
    // Only the shifted feature alerted: the calm window repeats the reference exactly.
    const alerts = (await call('GET', '/api/v1/monitors/iris-prod/alerts')) as { items: { metric: string }[] };
    expect(alerts.items.map((a) => a.metric)).toEqual([`drift.${shifted}`]);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'ui-monitoring-deployment.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
