import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { PipelineRun, PipelineSpec, StepRun } from './model.js';
import { validatePipeline } from './parse-pipeline.js';
import { SqlPipelineStore } from './sql-store.js';
import type { PipelineStore } from './store.js';

const spec: PipelineSpec = validatePipeline({ name: 'contract', steps: { a: { run: 'x', outputs: { o: 'o.txt' } }, b: { run: 'y', needs: ['a'] } } });

const newRun = (runId: string, pipelineId: string, createdAt: number): PipelineRun => ({
  runId, pipelineId, pipelineName: 'contract', version: 1, status: 'queued', params: { n: 1 }, trigger: { kind: 'api', detail: { by: 'test' } },
  trackingRunId: null, experimentId: null, concurrency: 2, error: null, createdAt, startedAt: null, finishedAt: null,
});
const newStep = (runId: string, stepRunId: string, stepName: string): StepRun => ({
  stepRunId, runId, stepName, baseStep: stepName.replace(/\[\d+\]$/, ''), itemIndex: null, status: 'pending', attempts: 0, trackingRunId: null,
  cacheKey: null, cacheParts: null, cacheStatus: null, cacheReason: null, cachedFrom: null, outputs: [], error: null, executedBy: null, startedAt: null, finishedAt: null,
});

/** The pipelines store's behavioural contract, run against every SQL backend (real servers, no mocks). */
export function runPipelineStoreContract(name: string, open: () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>): void {
  describe(`pipeline store contract: ${name}`, () => {
    let store: PipelineStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const made = await open();
      cleanup = made.cleanup;
      store = new SqlPipelineStore(made.database);
    });
    afterAll(async () => cleanup?.());

    it('versions definitions by digest; concurrent saves of different definitions get distinct versions', async () => {
      const v1 = await store.savePipelineVersion({ name: 'contract', description: 'd', digest: 'sha256:1', spec, source: 'a', baseDir: '/x' }, 1);
      const again = await store.savePipelineVersion({ name: 'contract', description: 'd', digest: 'sha256:1', spec, source: 'a', baseDir: '/x' }, 2);
      expect([v1.version, again.version]).toEqual([1, 1]);
      const many = await Promise.all([2, 3, 4, 5].map((i) => store.savePipelineVersion({ name: 'contract', description: 'd', digest: `sha256:${i}`, spec, source: 's', baseDir: '/x' }, 3)));
      expect(many.map((v) => v.version).sort()).toEqual([2, 3, 4, 5]);
      expect((await store.getPipeline('contract'))?.latestVersion).toBe(5);
      expect((await store.getVersion('contract', 1))?.spec).toEqual(spec);
      expect((await store.listVersions('contract')).map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      expect(await store.getPipeline('nope')).toBeNull();
    });

    it('stores runs and steps; conditional updates fence superseded attempts', async () => {
      const p = (await store.getPipeline('contract'))!;
      await store.insertRun(newRun('plr_a', p.pipelineId, 10), [newStep('plr_a', 'psr_a1', 'a'), newStep('plr_a', 'psr_a2', 'b')]);
      await store.insertRun(newRun('plr_b', p.pipelineId, 20), Array.from({ length: 450 }, (_v, i) => ({ ...newStep('plr_b', `psr_b${i}`, `a[${i}]`), itemIndex: i })));
      expect((await store.getRun('plr_a'))).toMatchObject({ pipelineName: 'contract', trigger: { kind: 'api', detail: { by: 'test' } }, params: { n: 1 } });
      expect((await store.listStepRuns('plr_b'))).toHaveLength(450);
      expect((await store.listRuns({ pipelineName: 'contract', limit: 10, offset: 0 })).map((r) => r.runId)).toEqual(['plr_b', 'plr_a']);
      expect(await store.updateRun('plr_a', { status: 'running' }, ['queued'])).toBe(true);
      expect(await store.updateRun('plr_a', { status: 'running' }, ['queued'])).toBe(false);
      expect((await store.listRuns({ status: 'running', limit: 10, offset: 0 })).map((r) => r.runId)).toEqual(['plr_a']);
      expect(await store.updateStepRun('psr_a1', { status: 'running', attempts: 2 })).toBe(true);
      const outputs = [{ name: 'o', artifactPath: 'p/o.txt', digest: 'sha256:ab', sizeBytes: 3, isDir: false }];
      expect(await store.updateStepRun('psr_a1', { status: 'succeeded', outputs }, { status: ['running'], attempts: 1 })).toBe(false);
      expect(await store.updateStepRun('psr_a1', { status: 'succeeded', outputs, cacheParts: { command: 'x' } }, { status: ['running'], attempts: 2 })).toBe(true);
      expect(await store.getStepRun('psr_a1')).toMatchObject({ status: 'succeeded', outputs, cacheParts: { command: 'x' } });
    });

    it('appends logs in order and reads after a sequence number', async () => {
      await store.appendLogs('psr_a1', Array.from({ length: 700 }, (_v, i) => ({ seq: i + 1, attempt: 1, stream: 'stdout' as const, line: `line ${i + 1}`, time: i })));
      expect(await store.lastLogSeq('psr_a1')).toBe(700);
      expect(await store.lastLogSeq('psr_a2')).toBe(0);
      const page = await store.readLogs('psr_a1', 650, 10);
      expect(page.map((l) => l.line)).toEqual(Array.from({ length: 10 }, (_v, i) => `line ${651 + i}`));
    });

    it('keeps cache entries, replaces them per key, invalidates by step and finds earlier keys', async () => {
      await store.updateStepRun('psr_a2', { cacheKey: 'k2', cacheParts: { command: 'y' }, finishedAt: 5 });
      await store.putCacheEntry({ cacheKey: 'k1', pipelineName: 'contract', stepName: 'a', stepRunId: 'psr_a1', createdAt: 1, expiresAt: null, invalidatedAt: null });
      await store.putCacheEntry({ cacheKey: 'k1', pipelineName: 'contract', stepName: 'a', stepRunId: 'psr_a9', createdAt: 2, expiresAt: 100, invalidatedAt: null });
      await store.putCacheEntry({ cacheKey: 'k2', pipelineName: 'contract', stepName: 'b', stepRunId: 'psr_a2', createdAt: 2, expiresAt: null, invalidatedAt: null });
      expect(await store.getCacheEntry('k1')).toMatchObject({ stepRunId: 'psr_a9', expiresAt: 100, invalidatedAt: null });
      expect(await store.invalidateCache({ pipelineName: 'contract', stepName: 'a' }, 50)).toBe(1);
      expect((await store.getCacheEntry('k1'))?.invalidatedAt).toBe(50);
      expect((await store.getCacheEntry('k2'))?.invalidatedAt).toBeNull();
      expect(await store.invalidateCache({ pipelineName: 'contract', stepName: 'a' }, 60)).toBe(0);
      expect(await store.getCacheEntry('nope')).toBeNull();
      const previous = await store.previousStepRuns('contract', 'b', 10);
      expect(previous).toEqual([{ runId: 'plr_a', stepRunId: 'psr_a2', stepName: 'b', cacheKey: 'k2', cacheParts: { command: 'y' }, finishedAt: 5, status: 'pending' }]);
    });
  });
}
