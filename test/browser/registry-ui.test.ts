import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { callAs, seedRegistry, type SeededRegistry } from './seed-registry.js';
import { browserSuiteEnabled, ensureUiBuilt, openUiPage, SCREENSHOT_DIR } from './support.js';

// Real parts only: a real `ascent server` process, a registry seeded through its native API, the
// built UI, and a real Chromium clicking through the model registry pages.

declare const scrollTo: (x: number, y: number) => void;
declare const localStorage: { getItem(key: string): string | null };

/** playwright-core has no `expect`; vitest's poll retries a locator read until it matches. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });
/** `2026-01-31T12:00:00.123` in this machine's zone (Chromium runs on it too), for a datetime-local input. */
const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 23);

interface ApprovalRequest {
  requestId: string;
  requestedBy: string;
  target: string;
  version: string;
  status: string;
}

let server: AscentProcess;
let data: SeededRegistry;

beforeAll(async () => {
  ensureUiBuilt();
  server = await startAscentProcess();
  data = await seedRegistry(server.url);
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!browserSuiteEnabled())('the model registry in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  // Answers the tests provoke on purpose: a gated alias move and a self-approval (403 both).
  const expectedFailure = /\/api\/v1\/(models\/[^/]+\/aliases\/|approvals\/[^/]+\/approve)/;

  beforeAll(async () => {
    ({ browser, page } = await openUiPage({ errors: pageErrors, height: 900, console: (url) => !expectedFailure.test(url) }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = async (name: string) => {
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `ui-registry-${name}.png`), fullPage: true });
  };
  const actAs = async (user: string) => {
    const field = page.getByLabel('Acting as user');
    await field.fill(user);
    await field.press('Enter');
  };
  const modelUrl = () => `${server.url}/models/${encodeURIComponent(data.modelName)}`;
  const aliasRow = (alias: string) => page.locator(`[data-testid="alias-panel"] li[data-alias="${alias}"]`);
  const requests = () => callAs<{ items: ApprovalRequest[] }>(server.url, 'test', 'GET', `/approvals?model=${encodeURIComponent(data.modelName)}`).then((r) => r.items);

  it('lists the registered models with their aliases as chips', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('.side-nav a.nav-item', { hasText: 'Models' }).click();
    await page.waitForURL('**/models');
    const row = page.locator(`[data-testid="models-table"] tr[data-model-name="${data.modelName}"]`);
    await row.waitFor();
    await poll(() => page.locator('.side-nav .nav-item.active').innerText()).toContain('Models');
    await poll(() => row.locator('.alias-chip[data-alias="champion"]').getAttribute('data-version')).toBe('2');
    await poll(() => row.locator('.alias-chip[data-alias="challenger"]').getAttribute('data-version')).toBe('3');
    await poll(() => row.locator('.latest-version').innerText()).toContain('v3');
    await poll(() => row.innerText()).toContain('ada');
    await poll(() => row.innerText()).toContain('tier');
    const other = page.locator(`[data-testid="models-table"] tr[data-model-name="${data.otherModelName}"]`);
    await poll(() => other.locator('.alias-chip').count()).toBe(0);
    await poll(() => other.locator('.latest-version').innerText()).toContain('v1');
    await poll(() => other.innerText()).toContain('bob');

    // A plain word filters by name on the server.
    const filter = page.getByLabel('Filter models');
    await filter.fill('no-such-model');
    await filter.press('Enter');
    await poll(() => page.locator('[data-testid="models-table"] tbody').innerText()).toContain('No model matches');
    await filter.fill('fraud');
    await filter.press('Enter');
    await poll(() => page.locator('[data-testid="models-table"] tbody tr[data-model-name]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-model-name')))).toEqual([data.modelName]);
    expect(page.url()).toContain('filter=');
    await shot('models');
  });

  it('shows a model: versions with their source run and metrics, aliases, approvals', async () => {
    await page.locator(`tr[data-model-name="${data.modelName}"] .cell-name a`).click();
    await page.waitForURL(`**/models/${data.modelName}`);
    await poll(() => page.locator('.page-title').innerText()).toContain(data.modelName);
    await poll(() => page.locator('.page-header').innerText()).toContain('Scores card transactions');

    const versions = page.locator('[data-testid="versions-table"] tbody tr[data-version]');
    await poll(() => versions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')))).toEqual(['3', '2', '1']);
    const v2 = page.locator('[data-testid="versions-table"] tr[data-version="2"]');
    await poll(() => v2.locator('.alias-chip[data-alias="champion"]').count()).toBe(1);
    await poll(() => v2.locator(`a[href="/runs/${data.runId}"]`).count()).toBe(1);
    await poll(() => page.locator('[data-testid="versions-table"] th[data-column="metrics.auc"]').count()).toBe(1);
    await poll(() => v2.innerText()).toContain('0.947');

    await poll(() => aliasRow('champion').getAttribute('data-version')).toBe('2');
    await poll(() => aliasRow('challenger').getAttribute('data-version')).toBe('3');
    await poll(() => aliasRow('champion').locator('.gate').count()).toBe(1);
    await poll(() => aliasRow('challenger').locator('.gate').count()).toBe(0);

    await poll(() => page.locator('[data-testid="approval-rules"] tr[data-target="champion"]').innerText()).toContain('1 approval');
    const pending = page.locator(`[data-testid="pending-approvals"] li[data-request-id="${data.pendingRequestId}"]`);
    await poll(() => pending.innerText()).toContain('@champion → v3');
    await poll(() => pending.innerText()).toContain('bob');
    await poll(() => pending.innerText()).toContain('better recall');
    await shot('model');
  });

  it('refuses a gated alias move with the server message and files it as an approval request', async () => {
    await actAs('dave');
    const form = page.getByRole('form', { name: 'Move alias' });
    await form.getByLabel('Alias').fill('champion');
    await form.getByLabel('Version').selectOption('1');
    await form.getByLabel('Reason').fill('roll back: v2 drifts');
    await form.getByRole('button', { name: 'Move alias' }).click();
    const error = page.locator('[data-testid="alias-panel"] [data-testid="error-box"]');
    await poll(() => error.locator('.error-code').innerText()).toBe('PERMISSION_DENIED');
    await poll(() => error.locator('.error-message').innerText()).toContain('requires approval');
    await poll(() => aliasRow('champion').getAttribute('data-version')).toBe('2');

    await page.getByRole('button', { name: 'Request approval for @champion → v1' }).click();
    await poll(() => page.locator('[data-testid="alias-panel"] .success').innerText()).toContain('Approval requested');
    await poll(() => page.locator('[data-testid="pending-approvals"] li').count()).toBe(2);
    // The request carries the acting user from the top bar and the reason from the form.
    const filed = (await requests()).find((r) => r.requestedBy === 'dave');
    expect(filed).toMatchObject({ target: 'champion', version: '1', status: 'pending' });
    expect(await page.evaluate(() => localStorage.getItem('ascent.user'))).toBe('dave');
  });

  it('approves as another user, which moves the alias; the requester cannot approve', async () => {
    const bobs = page.locator(`[data-testid="pending-approvals"] li[data-request-id="${data.pendingRequestId}"]`);
    await actAs('bob');
    await bobs.getByRole('button', { name: 'Approve' }).click();
    await poll(() => bobs.locator('.error-code').innerText()).toBe('PERMISSION_DENIED');
    await poll(() => bobs.locator('.error-message').innerText()).toContain('cannot approve');

    await actAs('carol');
    await bobs.getByRole('button', { name: 'Approve' }).click();
    await poll(() => aliasRow('champion').getAttribute('data-version')).toBe('3');
    const decided = page.locator(`[data-testid="decided-approvals"] tr[data-request-id="${data.pendingRequestId}"]`);
    await poll(() => decided.getAttribute('data-status')).toBe('applied');
    await poll(() => decided.innerText()).toContain('carol');
    await poll(() => page.locator('[data-testid="versions-table"] tr[data-version="3"] .alias-chip[data-alias="champion"]').count()).toBe(1);

    const daves = (await requests()).find((r) => r.requestedBy === 'dave')!;
    await page.locator(`[data-testid="pending-approvals"] li[data-request-id="${daves.requestId}"]`).getByRole('button', { name: 'Reject' }).click();
    await poll(() => page.locator(`[data-testid="decided-approvals"] tr[data-request-id="${daves.requestId}"]`).getAttribute('data-status')).toBe('rejected');
    await poll(() => page.locator('[data-testid="pending-approvals"] li').count()).toBe(0);
    await shot('model-approved');
  });

  it('shows the audit history, filters it, and answers which version an alias was at a time', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    await poll(async () => page.url()).toContain('tab=history');
    const timeline = page.getByTestId('history-timeline');
    const events = timeline.locator('li.event');
    // The approved move: on behalf of bob, approved by carol, 2 → 3.
    const applied = timeline.locator('li[data-type="alias.set"][data-alias="champion"][data-to="3"]');
    await poll(() => applied.getAttribute('data-from')).toBe('2');
    await poll(() => applied.innerText()).toContain('bob');
    await poll(() => applied.innerText()).toContain('approved by carol');
    await poll(() => timeline.locator('li[data-type="alias.set"][data-alias="champion"][data-to="2"]').innerText()).toContain('beat v1 on the holdout set');
    await poll(() => timeline.locator('li[data-type="approval.rejected"]').innerText()).toContain('carol');
    await poll(() => timeline.locator('li[data-type="version.created"]').count()).toBe(3);

    // Filters go to the server and into the URL.
    await page.getByLabel('Filter by alias').selectOption('challenger');
    await poll(() => events.evaluateAll((li) => [...new Set(li.map((e) => e.getAttribute('data-alias')))])).toEqual(['challenger']);
    await page.getByLabel('Filter by event type').selectOption('alias');
    await poll(() => events.count()).toBe(2);
    expect(page.url()).toContain('alias=challenger');
    await page.getByLabel('Filter by alias').selectOption('');
    await page.getByLabel('Filter by event type').selectOption('approval');
    await poll(() => events.evaluateAll((li) => li.every((e) => e.getAttribute('data-type')!.startsWith('approval')))).toBe(true);
    // The rule, two requests, one approval, one rejection; the refused self-approval left no event.
    await poll(() => events.count()).toBe(5);
    await page.getByLabel('Filter by event type').selectOption('');

    // Between the two moves of champion it pointed to version 1.
    const [first, second] = data.championMoves;
    const between = Math.round((first!.time + second!.time) / 2);
    const query = page.getByRole('form', { name: 'Alias at time' });
    await query.getByLabel('Alias to look up').selectOption('champion');
    await query.getByLabel('Point in time').fill(localInput(between));
    await query.getByRole('button', { name: 'Ask' }).click();
    const answer = page.getByTestId('alias-at-answer');
    await poll(() => answer.getAttribute('data-version')).toBe('1');
    await poll(() => answer.innerText()).toContain('first production model');
    // And now, after the approval, it is version 3.
    await query.getByLabel('Point in time').fill(localInput(Date.now() + 1000));
    await query.getByRole('button', { name: 'Ask' }).click();
    await poll(() => answer.getAttribute('data-version')).toBe('3');
    // Before it was ever set, there is no answer but "not set yet".
    await query.getByLabel('Point in time').fill(localInput(first!.time - 60_000));
    await query.getByRole('button', { name: 'Ask' }).click();
    await poll(() => answer.getAttribute('data-version')).toBe('');
    await poll(() => answer.innerText()).toContain('not set yet');
    await query.getByLabel('Point in time').fill(localInput(between));
    await query.getByRole('button', { name: 'Ask' }).click();
    await poll(() => answer.getAttribute('data-version')).toBe('1');
    await shot('history');
  });

  it('shows a version: details, signature, package files and the lineage graph', async () => {
    await page.goto(`${modelUrl()}/versions/2`);
    await poll(() => page.locator('.page-title').innerText()).toContain('v2');
    await poll(() => page.getByTestId('version-details').innerText()).toContain(data.runId);
    const inputs = page.getByTestId('signature-inputs');
    await poll(() => inputs.locator('tbody tr').count()).toBe(4);
    await poll(() => inputs.innerText()).toContain('merchant_id');
    await poll(() => inputs.locator('tr', { hasText: 'hour_of_day' }).innerText()).toContain('optional');
    await poll(() => page.getByTestId('signature-outputs').innerText()).toContain('tensor float64');

    await poll(() => page.getByTestId('package-flavors').innerText()).toContain('sklearn');
    await poll(() => page.getByTestId('package-runtime').innerText()).toContain('Python');
    const mlmodelLink = page.locator('[data-testid="package-files"] tr[data-path="MLmodel"] a');
    await poll(() => page.locator('[data-testid="package-files"] tr[data-path]').count()).toBe(4);
    const download = await fetch(new URL((await mlmodelLink.getAttribute('href'))!, server.url));
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('loader_module: mlflow.sklearn');
    await poll(() => page.getByTestId('version-metrics').innerText()).toContain('0.947');
    // The reference profile was attempted at registration: the training data is in a bucket this server cannot read.
    await poll(() => page.getByTestId('profile-status').innerText()).toContain('No reference profile');
    await poll(() => page.getByTestId('profile-registration').innerText()).toContain('skipped — source not readable: s3://acme-data/fraud/transactions-2026q1.parquet is outside the artifact store');

    const graph = page.getByTestId('lineage-graph');
    const node = (kind: string) => graph.locator(`svg g.lineage-node[data-kind="${kind}"]`);
    await poll(() => node('model_version').count()).toBe(1);
    await poll(() => node('run').locator('.node-label').textContent()).toBe('train-gbm');
    await poll(() => node('parent_run').locator('.node-label').textContent()).toBe('nightly-pipeline');
    await poll(() => node('dataset').locator('.node-label').textContent()).toContain(data.datasetName);
    await poll(() => node('code').locator('.node-label').textContent()).toContain(data.commit.slice(0, 12));
    // A node's tooltip has everything the API said about it, uncut.
    await poll(() => node('code').locator('title').textContent()).toContain(`commit: ${data.commit}`);
    await poll(() => node('dataset').locator('title').textContent()).toContain('s3://acme-data/fraud/transactions-2026q1.parquet');
    await poll(() => graph.locator('svg g.lineage-edge').count()).toBe(4);
    await poll(() => graph.locator('.lineage-legend').innerText()).toContain('Dataset');
    // Left to right: inputs, then the run, then its pipeline run, then the version.
    const x = async (kind: string) => (await node(kind).boundingBox())!.x;
    await poll(async () => (await x('dataset')) < (await x('run')) && (await x('run')) < (await x('parent_run')) && (await x('parent_run')) < (await x('model_version'))).toBe(true);
    await shot('version');
    await graph.screenshot({ path: path.join(SCREENSHOT_DIR, 'ui-registry-lineage.png') });

    await node('run').click();
    await page.waitForURL(`**/runs/${data.runId}`);
    await poll(() => page.locator('.page-title').innerText()).toContain('train-gbm');
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
