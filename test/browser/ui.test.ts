import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { seed, type SeededData } from './seed.js';
import { browserSuiteEnabled, ensureUiBuilt, openUiPage, SCREENSHOT_DIR } from './support.js';

// Real parts only: a real `ascent server` process, data seeded through its API, the built UI,
// and a real Chromium driving it.

/** DOM shapes used inside page callbacks (the test tsconfig has no DOM lib; these run in Chromium). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface ImageLike {
  complete: boolean;
  naturalWidth: number;
}
declare const getComputedStyle: (el: unknown) => { backgroundColor: string };
declare const scrollTo: (x: number, y: number) => void;

const LOSS_POINTS = 200_000;
/** playwright-core has no `expect`; vitest's poll retries a locator read until it matches. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });
let server: AscentProcess;
let data: SeededData;

beforeAll(async () => {
  ensureUiBuilt();
  server = await startAscentProcess();
  data = await seed(server.url, { lossPoints: LOSS_POINTS });
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe('serving the UI', () => {
  it('answers index.html at / and for client routes, without caching it', async () => {
    for (const p of ['/', `/experiments/${data.experimentId}`, `/runs/${data.runs.alpha}`, '/compare?runs=a,b']) {
      const res = await fetch(server.url + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toMatch(/text\/html/);
      expect(res.headers.get('cache-control'), p).toBe('no-cache');
      expect(await res.text(), p).toContain('<div id="root">');
    }
  });

  it('caches hashed assets for a year and 404s missing ones', async () => {
    const html = await (await fetch(server.url + '/')).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const res = await fetch(server.url + asset!);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(server.url + '/assets/missing-0000.js')).status).toBe(404);
  });

  it('leaves API 404s to the API (JSON, not the UI page)', async () => {
    const res = await fetch(server.url + '/api/v1/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
    const body = (await res.json()) as { error?: { code?: string } };
    expect(body.error?.code).toBeTruthy();
  });
});

describe.skipIf(!browserSuiteEnabled())('the UI in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The invalid-filter test provokes one 400 from runs/search on purpose.
    ({ browser, page } = await openUiPage({ errors: pageErrors, height: 900, console: (url) => !url.endsWith('/api/v1/runs/search') }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = async (name: string, options: { fullPage?: boolean } = {}) => {
    // Full-page shots start from the top, so the sticky bars sit where a user sees them.
    if (options.fullPage !== false) await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `ui-${name}.png`), fullPage: options.fullPage !== false });
  };
  const runRows = () => page.locator('[data-testid="runs-table"] tbody tr');
  const topLevelNames = () => page.locator('[data-testid="runs-table"] tbody tr[data-depth="0"] .run-name a:first-of-type').allTextContents();

  it('lists the experiments', async () => {
    await page.goto(server.url + '/');
    const row = page.locator(`[data-testid="experiments-table"] tr[data-experiment-id="${data.experimentId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(data.experimentName);
    await expect(row.textContent()).resolves.toContain('vision');
    // Every section of the platform is built: each is a link, none is shown disabled.
    await poll(() => page.locator('.side-nav a.nav-item').allInnerTexts()).toEqual(['Experiments', 'Models', 'Pipelines', 'Deployments', 'Monitoring']);
    await expect(page.locator('.side-nav .nav-item.disabled').count()).resolves.toBe(0);

    // The project selector narrows the list to that project's experiments.
    const listed = () => page.locator('[data-testid="experiments-table"] tbody tr[data-experiment-id]').count();
    const project = page.getByLabel('Project');
    await poll(() => project.locator('option[value="nlp-team"]').count()).toBe(1);
    await project.selectOption('nlp-team');
    await poll(listed).toBe(1);
    await poll(() => page.locator('[data-testid="experiments-table"] tbody').innerText()).toContain(`ui-suite-other-`);
    await project.selectOption('');
    await row.waitFor();

    // A plain word filters by name on the server.
    await page.getByLabel('Filter experiments').fill(`other-${data.experimentName.slice(-6)}`);
    await page.getByLabel('Filter experiments').press('Enter');
    await poll(listed).toBe(1);
    await page.getByLabel('Filter experiments').fill('');
    await page.getByLabel('Filter experiments').press('Enter');
    await row.waitFor();
    await shot('experiments');
  });

  it('shows the runs with a chosen metric column, nested runs under their parent', async () => {
    await page.locator(`tr[data-experiment-id="${data.experimentId}"] .cell-name a`).click();
    await page.waitForURL(`**/experiments/${data.experimentId}`);
    await expect.poll(() => runRows().count()).toBe(4);

    // The child run sits right under its parent, one level in.
    const ids = await runRows().evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-run-id'), r.getAttribute('data-depth')]));
    const parentAt = ids.findIndex(([id]) => id === data.runs.alpha);
    expect(ids[parentAt + 1]).toEqual([data.runs.child, '1']);

    // rmse is not among the default columns; pick it.
    const rmseHeader = page.locator('th[data-column="metrics.rmse"]');
    await poll(() => rmseHeader.count()).toBe(0);
    await page.getByRole('button', { name: /Columns/ }).click();
    await page.locator('input[data-column-key="metrics.rmse"]').check();
    await page.keyboard.press('Escape');
    await poll(() => rmseHeader.count()).toBe(1);
    const alphaRow = page.locator(`tr[data-run-id="${data.runs.alpha}"]`);
    const rmseIndex = await rmseHeader.evaluate((th) => Array.from(th.parentElement!.children).indexOf(th));
    await poll(() => alphaRow.locator('td').nth(rmseIndex).innerText()).toBe('0.31');
    await poll(() => alphaRow.locator('.badge').innerText()).toBe('Finished');
    await poll(() => page.locator(`tr[data-run-id="${data.runs.beta}"] .badge`).innerText()).toBe('Failed');
  });

  it('filters with the search grammar and shows the server error inline', async () => {
    const filter = page.getByLabel('Filter runs');
    await filter.fill('metrics.acc > 0.5');
    await filter.press('Enter');
    await expect.poll(() => runRows().count()).toBe(2);
    expect((await topLevelNames()).sort()).toEqual(['alpha', 'gamma']);
    expect(page.url()).toContain('filter=metrics.acc');

    await filter.fill('metrics.acc >> 0.5');
    await filter.press('Enter');
    const error = page.getByTestId('error-box');
    await error.waitFor();
    await poll(() => error.locator('.error-code').innerText()).toBe('INVALID_ARGUMENT');
    await poll(() => runRows().count()).toBe(0);
    await shot('runs-filter-error');

    await page.getByRole('button', { name: 'Clear filter' }).click();
    await expect.poll(() => runRows().count()).toBe(4);
  });

  it('sorts on the server when a header is clicked', async () => {
    const before = await topLevelNames();
    const accHeader = page.locator('th[data-column="metrics.acc"] button');
    const descending = page.waitForRequest((r) => r.url().endsWith('/api/v1/runs/search') && (r.postData() ?? '').includes('metrics.acc DESC'));
    await accHeader.click();
    await descending;
    await expect.poll(topLevelNames).toEqual(['alpha', 'gamma', 'beta']);
    expect(before).not.toEqual(['alpha', 'gamma', 'beta']);
    await accHeader.click();
    await expect.poll(topLevelNames).toEqual(['beta', 'gamma', 'alpha']);
    await shot('runs');
  });

  it('shows a run: overview, params, dataset input, artifacts with previews, metric charts', async () => {
    const initialLoss = page.waitForResponse((r) => r.url().includes(`/runs/${data.runs.alpha}/metrics/loss/downsampled`));
    await page.goto(`${server.url}/runs/${data.runs.alpha}`);
    await poll(() => page.locator('.page-title').innerText()).toContain('alpha');
    await poll(() => page.getByTestId('run-overview').innerText()).toContain('3f9c2a1b7e');
    await poll(() => page.getByTestId('run-overview').innerText()).toContain('ada');
    const params = page.getByTestId('params-table');
    await poll(() => params.locator('tr', { hasText: 'lr' }).innerText()).toContain('0.1');
    await poll(() => params.locator('tr', { hasText: 'model' }).innerText()).toContain('tree');
    const dataset = page.getByTestId('dataset-inputs');
    await poll(() => dataset.innerText()).toContain('iris-train');
    await poll(() => dataset.innerText()).toContain('a1b2c3d4');
    await poll(() => dataset.innerText()).toContain('/data/iris/train.csv');
    await poll(() => dataset.innerText()).toContain('sepal_length');

    // The 200k-point curve arrives downsampled to about the chart's width.
    const response = await initialLoss;
    const maxPoints = Number(new URL(response.url()).searchParams.get('maxPoints'));
    expect(maxPoints).toBeGreaterThan(100);
    expect(maxPoints).toBeLessThan(3000);
    const history = (await response.json()) as { totalPoints: number; buckets: unknown[] };
    expect(history.totalPoints).toBe(LOSS_POINTS);
    expect(history.buckets.length).toBeLessThanOrEqual(maxPoints);
    const lossChart = page.locator('[data-metric-key="loss"]');
    await poll(() => lossChart.locator('.chart-foot').innerText()).toContain('200,000 points');
    const inked = await lossChart.locator('canvas').evaluate((el) => {
      const canvas = el as unknown as CanvasLike;
      const ctx = canvas.getContext('2d')!;
      const { data: px } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(2000);

    // Artifacts: expand folders, preview text and an image.
    const browserPane = page.getByTestId('artifact-browser');
    await browserPane.locator('[data-artifact-path="notes"]').click();
    await browserPane.locator('[data-artifact-path="notes/readme.txt"]').click();
    await poll(() => page.getByTestId('artifact-text').innerText().then((t) => t.trimEnd())).toBe(data.readmeText.trimEnd());
    await browserPane.locator('[data-artifact-path="model"]').click();
    await browserPane.locator('[data-artifact-path="model/MLmodel"]').click();
    await poll(() => page.getByTestId('artifact-text').innerText()).toContain('loader_module: mlflow.sklearn');
    await browserPane.locator('[data-artifact-path="plots"]').click();
    await browserPane.locator('[data-artifact-path="plots/confusion.png"]').click();
    const img = page.locator('.image-preview img');
    await expect.poll(() => img.evaluate((el) => (el as unknown as ImageLike).complete && (el as unknown as ImageLike).naturalWidth)).toBe(120);
    await shot('run');
  });

  it('zooms a chart by asking the server for the selected step range', async () => {
    const lossChart = page.locator('[data-metric-key="loss"]');
    await lossChart.scrollIntoViewIfNeeded();
    const over = lossChart.locator('.u-over');
    const box = (await over.boundingBox())!;
    const zoomed = page.waitForRequest((r) => r.url().includes('/metrics/loss/downsampled') && r.url().includes('startStep='));
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const request = await zoomed;
    const q = new URL(request.url()).searchParams;
    const start = Number(q.get('startStep'));
    const end = Number(q.get('endStep'));
    // 40–50 % of the x axis of a 0..200k curve.
    expect(start).toBeGreaterThan(LOSS_POINTS * 0.3);
    expect(end).toBeLessThan(LOSS_POINTS * 0.6);
    expect(end).toBeGreaterThan(start);
    const body = (await (await request.response())!.json()) as { totalPoints: number; buckets: { startStep: number; endStep: number }[] };
    expect(body.totalPoints).toBeLessThan(LOSS_POINTS);
    expect(body.buckets[0]!.startStep).toBeGreaterThanOrEqual(start);
    await poll(() => lossChart.locator('.zoom-reset').innerText()).toContain('steps');
    await shot('run-zoomed', { fullPage: false });

    const reset = page.waitForRequest((r) => r.url().includes('/metrics/loss/downsampled') && !r.url().includes('startStep='));
    await over.dblclick();
    await reset;
    await poll(() => lossChart.locator('.zoom-reset').count()).toBe(0);
  });

  it('compares selected runs: curves overlaid, differing params highlighted', async () => {
    await page.goto(`${server.url}/experiments/${data.experimentId}`);
    await expect.poll(() => runRows().count()).toBe(4);
    await page.locator(`tr[data-run-id="${data.runs.alpha}"] input[type="checkbox"]`).check();
    await page.locator(`tr[data-run-id="${data.runs.beta}"] input[type="checkbox"]`).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.waitForURL('**/compare?runs=*');
    const params = page.getByTestId('compare-params');
    await poll(() => params.locator('thead').innerText()).toContain('alpha');
    await poll(() => params.locator('thead').innerText()).toContain('beta');
    const lr = params.locator('tr[data-param-key="lr"]');
    await poll(() => lr.getAttribute('data-differs')).toBe('true');
    await poll(() => lr.getAttribute('class')).toMatch(/diff/);
    await poll(() => lr.innerText()).toContain('0.01');
    const model = params.locator('tr[data-param-key="model"]');
    await poll(() => model.getAttribute('data-differs')).toBe('false');
    expect((await model.getAttribute('class')) ?? '').not.toMatch(/diff/);
    const bg = await lr.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor);
    const plain = await model.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor);
    expect(bg).not.toEqual(plain);
    await poll(() => page.getByTestId('compare-metrics').innerText()).toContain('0.91');
    await poll(() => page.getByTestId('compare-metrics').innerText()).toContain('0.42');

    // One series per run in the overlaid acc chart.
    const accChart = page.locator('[data-metric-key="acc"]');
    await accChart.locator('canvas').waitFor();
    await poll(() => accChart.locator('.u-legend').innerText()).toContain('alpha');
    await poll(() => accChart.locator('.u-legend').innerText()).toContain('beta');
    await shot('compare');
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
