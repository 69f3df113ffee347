import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../core/errors.js';
import { LoggedModelService } from './logged-model-service.js';
import { TrackingService } from './service.js';
import type { TrackingStore } from './store.js';

/**
 * One behavioural contract for every TrackingStore implementation, exercised through the
 * TrackingService so the rules users rely on are checked against each real database.
 */
export function runTrackingStoreContract(name: string, newStore: () => Promise<{ store: TrackingStore; cleanup: () => Promise<void> }>): void {
  describe(`tracking store contract: ${name}`, () => {
    let tracking: TrackingService;
    let models: LoggedModelService;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const made = await newStore();
      cleanup = made.cleanup;
      tracking = new TrackingService({ store: made.store });
      await tracking.init();
      await tracking.init(); // idempotent
      models = new LoggedModelService(tracking);
    });
    afterAll(async () => cleanup?.());

    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (err) {
        return (err as AscentError).code;
      }
      return 'NO_ERROR';
    };
    const newRun = async (experimentId: string, extra: Record<string, unknown> = {}) => (await tracking.createRun({ experimentId, ...extra })).info.runId;

    it('has the default experiment 0 and the default project', async () => {
      const e = await tracking.getExperiment('0');
      expect(e.name).toBe('Default');
      expect(e.artifactLocation).toBe('mlflow-artifacts:/0');
      expect((await tracking.listProjects()).map((p) => p.projectId)).toContain('default');
    });

    it('creates, finds, renames experiments and refuses duplicates', async () => {
      const id = await tracking.createExperiment({ name: 'exp-a', tags: [{ key: 'team', value: 'x' }] });
      const e = await tracking.getExperiment(id);
      expect(e).toMatchObject({ name: 'exp-a', lifecycleStage: 'active', artifactLocation: `mlflow-artifacts:/${id}`, projectId: 'default' });
      expect(e.tags).toEqual([{ key: 'team', value: 'x' }]);
      expect((await tracking.getExperimentByName('exp-a')).experimentId).toBe(id);
      expect(await code(tracking.createExperiment({ name: 'exp-a' }))).toBe('ALREADY_EXISTS');
      expect(await code(tracking.getExperiment('99999'))).toBe('NOT_FOUND');
      expect(await code(tracking.getExperimentByName('nope'))).toBe('NOT_FOUND');
      expect(await code(tracking.createExperiment({ name: '' }))).toBe('INVALID_ARGUMENT');
      await tracking.renameExperiment(id, 'exp-a2');
      expect((await tracking.getExperiment(id)).name).toBe('exp-a2');
    });

    it('files an experiment under the project named by its ascent.project tag', async () => {
      const id = await tracking.createExperiment({ name: 'proj-exp', tags: [{ key: 'ascent.project', value: 'fraud' }] });
      expect((await tracking.getExperiment(id)).projectId).toBe('fraud');
      expect((await tracking.getProject('fraud')).projectId).toBe('fraud');
    });

    it('searches experiments with filters, order and pages', async () => {
      for (const n of ['s-1', 's-2', 's-3']) await tracking.createExperiment({ name: n, tags: [{ key: 'kind', value: n === 's-2' ? 'b' : 'a' }] });
      const like = await tracking.searchExperiments({ filter: "name LIKE 's-%'", orderBy: ['name DESC'] });
      expect(like.items.map((e) => e.name)).toEqual(['s-3', 's-2', 's-1']);
      const tagged = await tracking.searchExperiments({ filter: "tags.kind = 'b'" });
      expect(tagged.items.map((e) => e.name)).toEqual(['s-2']);
      const p1 = await tracking.searchExperiments({ filter: "name LIKE 's-%'", orderBy: ['name'], maxResults: 2 });
      expect(p1.items).toHaveLength(2);
      expect(p1.nextPageToken).toBeTruthy();
      const p2 = await tracking.searchExperiments({ filter: "name LIKE 's-%'", orderBy: ['name'], maxResults: 2, pageToken: p1.nextPageToken! });
      expect(p2.items.map((e) => e.name)).toEqual(['s-3']);
      expect(p2.nextPageToken).toBeUndefined();
    });

    it('deletes and restores an experiment with its runs', async () => {
      const id = await tracking.createExperiment({ name: 'to-delete' });
      const runId = await newRun(id);
      await tracking.deleteExperiment(id);
      expect((await tracking.getExperiment(id)).lifecycleStage).toBe('deleted');
      expect((await tracking.getRunInfo(runId)).lifecycleStage).toBe('deleted');
      expect((await tracking.searchExperiments({ viewType: 'DELETED_ONLY' })).items.map((e) => e.experimentId)).toContain(id);
      expect(await code(tracking.createRun({ experimentId: id }))).toBe('INVALID_STATE');
      await tracking.restoreExperiment(id);
      expect((await tracking.getRunInfo(runId)).lifecycleStage).toBe('active');
    });

    it('creates runs with names, tags and parents, and moves them through their lifecycle', async () => {
      const exp = await tracking.createExperiment({ name: 'runs-life' });
      const parent = await tracking.createRun({ experimentId: exp, runName: 'parent', tags: [{ key: 'mlflow.user', value: 'ada' }] });
      expect(parent.info).toMatchObject({ runName: 'parent', status: 'RUNNING', userId: 'ada', lifecycleStage: 'active', parentRunId: null });
      expect(parent.info.artifactUri).toBe(`mlflow-artifacts:/${exp}/${parent.info.runId}/artifacts`);
      expect(parent.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'parent' });
      const child = await tracking.createRun({ experimentId: exp, tags: [{ key: 'mlflow.parentRunId', value: parent.info.runId }] });
      expect(child.info.parentRunId).toBe(parent.info.runId);
      expect(child.info.runName).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      const info = await tracking.updateRun(parent.info.runId, { status: 'FINISHED', endTime: 123 });
      expect(info).toMatchObject({ status: 'FINISHED', endTime: 123 });
      await tracking.updateRun(parent.info.runId, { runName: 'renamed' });
      expect((await tracking.getRun(parent.info.runId)).data.tags).toContainEqual({ key: 'mlflow.runName', value: 'renamed' });
      await tracking.deleteRun(child.info.runId);
      expect(await code(tracking.logMetric(child.info.runId, { key: 'm', value: 1, timestamp: 1 }))).toBe('INVALID_STATE');
      await tracking.restoreRun(child.info.runId);
      expect(await code(tracking.getRun('0123456789abcdef0123456789abcdef'))).toBe('NOT_FOUND');
      expect(await code(tracking.updateRun(parent.info.runId, { status: 'BOGUS' }))).toBe('INVALID_ARGUMENT');
    });

    it('logs batches atomically: params are immutable, tags overwrite, metrics append', async () => {
      const exp = await tracking.createExperiment({ name: 'batches' });
      const runId = await newRun(exp);
      await tracking.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: '1' }], metrics: [{ key: 'loss', value: 1, timestamp: 10, step: 0 }] });
      await tracking.logParam(runId, { key: 'lr', value: '0.1' }); // same value is fine
      expect(await code(tracking.logBatch(runId, { params: [{ key: 'lr', value: '0.2' }], metrics: [{ key: 'loss', value: 9, timestamp: 11, step: 5 }] }))).toBe('INVALID_ARGUMENT');
      await tracking.setTag(runId, { key: 't', value: '2' });
      const run = await tracking.getRun(runId);
      expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(run.data.tags).toContainEqual({ key: 't', value: '2' });
      // The rejected batch wrote nothing: loss is still at step 0.
      expect(run.data.metrics).toEqual([{ key: 'loss', value: 1, timestamp: 10, step: 0 }]);
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i }));
      expect(await code(tracking.logBatch(runId, { metrics: tooMany }))).toBe('INVALID_ARGUMENT');
      expect(await code(tracking.logBatch(runId, { metrics: [{ key: 'bad', value: 'abc', timestamp: 1 }] }))).toBe('INVALID_ARGUMENT');
      expect(await code(tracking.logBatch(runId, { metrics: [{ key: '../etc', value: 1, timestamp: 1 }] }))).toBe('INVALID_ARGUMENT');
      expect(await tracking.listMetricKeys(runId)).toEqual(['loss']);
    });

    it('keeps the latest metric by step, stores NaN and infinities, and ignores re-sent points', async () => {
      const exp = await tracking.createExperiment({ name: 'metric-values' });
      const runId = await newRun(exp);
      const points = [
        { key: 'acc', value: 0.5, timestamp: 100, step: 2 },
        { key: 'acc', value: 0.9, timestamp: 50, step: 3 },
        { key: 'acc', value: 0.1, timestamp: 200, step: 1 },
        { key: 'odd', value: 'NaN', timestamp: 1, step: 0 },
        { key: 'odd', value: 'Infinity', timestamp: 2, step: 1 },
        { key: 'odd', value: -Infinity, timestamp: 3, step: 2 },
      ];
      await tracking.logBatch(runId, { metrics: points });
      await tracking.logBatch(runId, { metrics: points }); // a client retry
      const run = await tracking.getRun(runId);
      expect(run.data.metrics.find((m) => m.key === 'acc')).toEqual({ key: 'acc', value: 0.9, timestamp: 50, step: 3 });
      const history = await tracking.getMetricHistory(runId, 'acc');
      expect(history.items.map((m) => m.step)).toEqual([1, 2, 3]);
      const odd = (await tracking.getMetricHistory(runId, 'odd')).items.map((m) => m.value);
      expect(Number.isNaN(odd[0])).toBe(true);
      expect(odd.slice(1)).toEqual([Infinity, -Infinity]);
      const paged = await tracking.getMetricHistory(runId, 'acc', { maxResults: 2 });
      expect(paged.items).toHaveLength(2);
      const rest = await tracking.getMetricHistory(runId, 'acc', { maxResults: 2, pageToken: paged.nextPageToken! });
      expect(rest.items.map((m) => m.step)).toEqual([3]);
    });

    it('searches runs by metrics, params, tags, attributes and datasets, ordered with NULLs last', async () => {
      const exp = await tracking.createExperiment({ name: 'search-runs' });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const runId = await newRun(exp, { runName: `run-${i}`, startTime: 1000 + i });
        ids.push(runId);
        await tracking.logBatch(runId, {
          params: [{ key: 'alpha', value: String(i % 3) }],
          tags: [{ key: 'kind', value: i % 2 ? 'odd' : 'even' }],
          metrics: i === 5 ? [] : [{ key: 'rmse', value: 10 - i, timestamp: 1, step: 0 }],
        });
      }
      await tracking.logInputs(ids[0]!, { datasets: [{ dataset: { name: 'iris', digest: 'abc123', sourceType: 'code', source: '{}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
      await tracking.updateRun(ids[1]!, { status: 'FINISHED' });
      const q = async (filter: string, orderBy?: string[]) => (await tracking.searchRuns({ experimentIds: [exp], filter, orderBy: orderBy ?? null })).items.map((r) => r.info.runName);
      expect(await q('metrics.rmse < 8', ['metrics.rmse ASC'])).toEqual(['run-4', 'run-3']);
      expect(await q("params.alpha = '1'", ['attributes.start_time ASC'])).toEqual(['run-1', 'run-4']);
      expect(await q("tags.kind = 'odd' AND metrics.rmse >= 7", ['run_name'])).toEqual(['run-1', 'run-3']);
      expect(await q("attributes.status = 'FINISHED'")).toEqual(['run-1']);
      expect(await q("attributes.run_name ILIKE 'RUN-2'")).toEqual(['run-2']);
      expect(await q("attributes.run_name LIKE 'RUN-2'")).toEqual([]);
      expect(await q("tags.kind IN ('even') AND params.alpha != '0'", ['run_name DESC'])).toEqual(['run-4', 'run-2']);
      expect(await q("datasets.name = 'iris' AND datasets.context = 'training'")).toEqual(['run-0']);
      // Equality clauses become joins: the same key twice, a key also used for ordering, metric equality.
      expect(await q("params.alpha = '1' AND tags.kind IN ('odd', 'x') AND tags.kind = 'odd'", ['params.alpha DESC', 'run_name'])).toEqual(['run-1']);
      expect(await q("tags.kind IN ('even', 'odd') AND params.alpha != '0'", ['params.alpha DESC', 'run_name'])).toEqual(['run-2', 'run-5', 'run-1', 'run-4']);
      expect(await q('metrics.rmse = 7 AND metrics.rmse >= 7')).toEqual(['run-3']);
      expect(await q("params.alpha = '1' AND params.missing = 'x'")).toEqual([]);
      expect(await q('', ['metrics.rmse DESC'])).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
      expect(await q('', ['metrics.rmse ASC'])).toEqual(['run-4', 'run-3', 'run-2', 'run-1', 'run-0', 'run-5']);
      expect(await q('')).toEqual(['run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0']);
      expect(await code(q('metrics.rmse ~ 3'))).toBe('INVALID_ARGUMENT');
      expect(await code(q("metrics.rmse = 1 OR params.a = 'b'"))).toBe('INVALID_ARGUMENT');
      expect(await code(q("attributes.bogus = 'x'"))).toBe('INVALID_ARGUMENT');
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await tracking.searchRuns({ experimentIds: [exp], maxResults: 4, pageToken: token ?? null });
        seen.push(...page.items.map((r) => r.info.runId));
        token = page.nextPageToken;
      } while (token);
      expect(new Set(seen)).toEqual(new Set(ids));
      expect(seen).toHaveLength(6);
      await tracking.deleteRun(ids[0]!);
      expect((await tracking.searchRuns({ experimentIds: [exp], viewType: 'DELETED_ONLY' })).items.map((r) => r.info.runId)).toEqual([ids[0]]);
    });

    it('records dataset inputs once per dataset, with their context', async () => {
      const exp = await tracking.createExperiment({ name: 'inputs' });
      const runId = await newRun(exp);
      const dataset = { name: 'wine', digest: 'd1', sourceType: 'local', source: '{"uri":"/data/wine.csv"}', schema: '{"mlflow_colspec":[]}', profile: '{"num_rows":178}' };
      await tracking.logInputs(runId, { datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
      await tracking.logInputs(runId, { datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
      const run = await tracking.getRun(runId);
      expect(run.inputs.datasetInputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
    });

    it('downsamples a long history to min/max/last per bucket, and zooms exactly', async () => {
      const exp = await tracking.createExperiment({ name: 'downsample' });
      const runId = await newRun(exp);
      const n = 50_000;
      for (let start = 0; start < n; start += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => {
          const step = start + i;
          return { key: 'curve', value: Math.sin(step / 1000) * 10 + (step === 31_337 ? 100 : 0), timestamp: step, step };
        });
        await tracking.logBatch(runId, { metrics });
      }
      const all = await tracking.getMetricHistoryDownsampled(runId, 'curve', { maxPoints: 200 });
      expect(all.raw).toBe(false);
      expect(all.buckets.length).toBeLessThanOrEqual(200);
      expect(all.buckets.length).toBeGreaterThan(100);
      expect(all.totalPoints).toBe(n);
      expect(Math.max(...all.buckets.map((b) => b.max!))).toBeCloseTo(100 + Math.sin(31.337) * 10, 6);
      expect(Math.min(...all.buckets.map((b) => b.min!))).toBeCloseTo(-10, 3);
      const lastBucket = all.buckets.at(-1)!;
      expect(lastBucket.lastStep).toBe(n - 1);
      expect(lastBucket.last).toBeCloseTo(Math.sin((n - 1) / 1000) * 10, 9);
      const zoom = await tracking.getMetricHistoryDownsampled(runId, 'curve', { startStep: 31_300, endStep: 31_399, maxPoints: 500 });
      expect(zoom.raw).toBe(true);
      expect(zoom.buckets).toHaveLength(100);
      expect(zoom.buckets.find((b) => b.lastStep === 31_337)!.last).toBeCloseTo(100 + Math.sin(31.337) * 10, 9);
      const mid = await tracking.getMetricHistoryDownsampled(runId, 'curve', { startStep: 10_000, endStep: 19_999, maxPoints: 100 });
      expect(mid.buckets.length).toBeLessThanOrEqual(100);
      expect(mid.buckets[0]!.startStep).toBe(10_000);
      // 5,000 steps into 1,000 buckets: narrower than any level, aggregated by the database.
      const narrow = await tracking.getMetricHistoryDownsampled(runId, 'curve', { startStep: 30_000, endStep: 34_999, maxPoints: 1000 });
      expect(narrow).toMatchObject({ raw: false, totalPoints: 5000 });
      expect(narrow.buckets).toHaveLength(1000);
      expect(narrow.buckets.every((b) => b.count === 5 && b.endStep - b.startStep === 4 && b.lastStep === b.endStep)).toBe(true);
      const spike = narrow.buckets.find((b) => b.startStep <= 31_337 && 31_337 <= b.endStep)!;
      expect(spike.max).toBeCloseTo(100 + Math.sin(31.337) * 10, 9);
      expect(narrow.buckets.at(-1)!.last).toBeCloseTo(Math.sin(34.999) * 10, 9);
      const bulk = await tracking.getMetricHistoryBulkInterval({ runIds: [runId], key: 'curve', maxResults: 50 });
      expect(bulk.length).toBeLessThanOrEqual(50);
      expect(bulk.at(-1)!.step).toBe(n - 1);
    });

    it('keeps every point when batches for one run arrive concurrently', async () => {
      const exp = await tracking.createExperiment({ name: 'concurrent' });
      const runId = await newRun(exp);
      await Promise.all(
        Array.from({ length: 8 }, (_, c) =>
          tracking.logBatch(runId, { metrics: Array.from({ length: 500 }, (_, i) => ({ key: 'm', value: i, timestamp: c, step: c * 500 + i })) }),
        ),
      );
      expect((await tracking.getMetricHistory(runId, 'm')).items).toHaveLength(4000);
      expect((await tracking.getRun(runId)).data.metrics[0]!.step).toBe(3999);
    });

    it('reads one history across chunked batches and single points: ordered, repeats once, retries not counted twice', async () => {
      const exp = await tracking.createExperiment({ name: 'chunks' });
      const runId = await newRun(exp);
      // 12 points of `c` in one request (a chunk): out of order, a repeated point, NaN and ±Infinity.
      const batch = [7, 3, 11, 0, 5, 9, 1, 10, 2, 8, 4, 6].map((step) => ({ key: 'c', value: step === 4 ? 'NaN' : step === 6 ? 'Infinity' : step === 8 ? -Infinity : step / 10, timestamp: 100 + step, step }));
      batch.push({ ...batch[0]! });
      await tracking.logBatch(runId, { metrics: batch });
      await tracking.logBatch(runId, { metrics: batch }); // a client retry: a no-op
      // Single points into the same history: one new, one identical to a chunked point, one sharing its step.
      await tracking.logBatch(runId, { metrics: [{ key: 'c', value: 0.55, timestamp: 1, step: 5 }, { key: 'c', value: 0.3, timestamp: 103, step: 3 }, { key: 'c', value: 1.2, timestamp: 50, step: 12 }] });
      // A later chunk overlapping the first one's steps, with a point naming a dataset (kept per row, refs intact).
      await tracking.logBatch(runId, {
        metrics: Array.from({ length: 8 }, (_, i) => ({ key: 'c', value: 2 + i, timestamp: 500 + i, step: 20 + i, ...(i === 0 ? { datasetName: 'train', datasetDigest: 'abc' } : {}) })),
      });
      const history = (await tracking.getMetricHistory(runId, 'c')).items;
      const steps = Array.from({ length: 12 }, (_, s) => s);
      expect(history.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, ...Array.from({ length: 8 }, (_, i) => 20 + i)]);
      expect(history.filter((m) => m.step === 5).map((m) => m.value)).toEqual([0.55, 0.5]);
      expect(Number.isNaN(history.find((m) => m.step === 4)!.value)).toBe(true);
      expect(history.find((m) => m.step === 6)!.value).toBe(Infinity);
      expect(history.find((m) => m.step === 8)!.value).toBe(-Infinity);
      expect(history.find((m) => m.step === 20)).toEqual({ key: 'c', value: 2, timestamp: 500, step: 20, datasetName: 'train', datasetDigest: 'abc' });
      expect(steps.every((s) => history.some((m) => m.step === s))).toBe(true);
      const page = await tracking.getMetricHistory(runId, 'c', { maxResults: 5, pageToken: (await tracking.getMetricHistory(runId, 'c', { maxResults: 5 })).nextPageToken! });
      expect(page.items.map((m) => m.step)).toEqual([5, 5, 6, 7, 8]);
      expect((await tracking.getRun(runId)).data.metrics).toEqual([{ key: 'c', value: 9, timestamp: 507, step: 27 }]);
      // Raw downsampling and the pre-aggregated levels count each point once.
      const raw = await tracking.getMetricHistoryDownsampled(runId, 'c', { maxPoints: 1000 });
      expect(raw.totalPoints).toBe(history.length);
      const coarse = await tracking.getMetricHistoryDownsampled(runId, 'c', { maxPoints: 2 });
      expect(coarse.buckets.reduce((n, b) => n + b.count, 0)).toBe(history.length);
      expect(coarse.buckets.at(-1)).toMatchObject({ max: 9, last: 9, lastStep: 27 });
      const zoom = await tracking.getMetricHistoryDownsampled(runId, 'c', { startStep: 3, endStep: 6, maxPoints: 100 });
      expect(zoom.buckets.map((b) => b.lastStep)).toEqual([3, 4, 5, 5, 6]);
    });

    it('keeps a run’s latest params, tags and metrics whole when writers of different keys race, in get and in search', async () => {
      const exp = await tracking.createExperiment({ name: 'concurrent-keys' });
      const runId = await newRun(exp);
      // Each writer adds its own keys: a lost update of the run's materialized data would drop some.
      await Promise.all(
        Array.from({ length: 8 }, (_, c) =>
          tracking.logBatch(runId, {
            params: [{ key: `p${c}`, value: String(c) }],
            tags: [{ key: `t${c}`, value: String(c) }],
            metrics: [{ key: `m${c}`, value: c === 0 ? Number.NaN : c === 1 ? Number.POSITIVE_INFINITY : c + 0.1, timestamp: 1, step: c }],
          }),
        ),
      );
      await tracking.deleteTag(runId, 't3');
      const expected = {
        params: Array.from({ length: 8 }, (_, c) => ({ key: `p${c}`, value: String(c) })),
        tags: Array.from({ length: 8 }, (_, c) => ({ key: `t${c}`, value: String(c) })).filter((t) => t.key !== 't3'),
        metrics: Array.from({ length: 8 }, (_, c) => ({ key: `m${c}`, value: c === 0 ? Number.NaN : c === 1 ? Number.POSITIVE_INFINITY : c + 0.1, timestamp: 1, step: c })),
      };
      const got = (await tracking.getRun(runId)).data;
      expect(got.params).toEqual(expected.params);
      expect(got.tags.filter((t) => !t.key.startsWith('mlflow.'))).toEqual(expected.tags);
      expect(got.metrics).toEqual(expected.metrics);
      const [searched] = (await tracking.searchRuns({ experimentIds: [exp], filter: 'metrics.m7 > 7' })).items;
      expect(searched!.data.metrics).toEqual(expected.metrics);
      expect(JSON.parse(searched!.dataJson!).metrics[0]).toEqual({ key: 'm0', value: 'NaN', timestamp: 1, step: 0 });
    });

    it('stores MLflow 3 logged models with params, tags and status', async () => {
      const exp = await tracking.createExperiment({ name: 'logged-models' });
      const runId = await newRun(exp);
      const model = await models.create({ experimentId: exp, name: 'clf', sourceRunId: runId, modelType: 'sklearn', params: [{ key: 'C', value: '1' }], tags: [{ key: 't', value: 'v' }] });
      expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
      expect(model).toMatchObject({ status: 'LOGGED_MODEL_PENDING', artifactLocation: `mlflow-artifacts:/${exp}/models/${model.modelId}/artifacts` });
      expect((await models.finalize(model.modelId, 'LOGGED_MODEL_READY')).status).toBe('LOGGED_MODEL_READY');
      await models.setTags(model.modelId, [{ key: 't', value: 'w' }, { key: 'u', value: '1' }]);
      const found = await models.search({ experimentIds: [exp], filter: "name = 'clf'" });
      expect(found.items.map((m) => m.modelId)).toEqual([model.modelId]);
      expect(found.items[0]!.tags).toEqual([{ key: 't', value: 'w' }, { key: 'u', value: '1' }]);
      await models.delete(model.modelId);
      expect(await code(models.get(model.modelId))).toBe('NOT_FOUND');
    });
  });
}
