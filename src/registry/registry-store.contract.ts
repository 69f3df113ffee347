import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../core/errors.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { TrackingService } from '../tracking/service.js';
import { SqlTrackingStore } from '../tracking/sql-store.js';
import { ReleaseService } from './releases.js';
import { RegistryService } from './service.js';
import { SqlRegistryStore } from './sql-store.js';

/** The registry's behavioural contract, run against every SQL backend (real servers, no mocks). */
export function runRegistryStoreContract(name: string, open: () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>): void {
  describe(`registry contract: ${name}`, () => {
    let tracking: TrackingService;
    let registry: RegistryService;
    let releases: ReleaseService;
    let cleanup: () => Promise<void>;
    const ada = { user: 'ada' };
    const bob = { user: 'bob' };

    beforeAll(async () => {
      const made = await open();
      cleanup = made.cleanup;
      tracking = new TrackingService({ store: new SqlTrackingStore(made.database) });
      await tracking.init();
      const loggedModels = new LoggedModelService(tracking);
      registry = new RegistryService({ store: new SqlRegistryStore(made.database), tracking, loggedModels });
      releases = new ReleaseService(registry);
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

    it('creates, searches, renames and deletes registered models', async () => {
      const m = await registry.createModel({ name: 'churn', description: 'd', tags: [{ key: 'team', value: 'growth' }] }, ada);
      expect(m).toMatchObject({ name: 'churn', description: 'd', owner: 'ada', aliases: [] });
      expect(await code(registry.createModel({ name: 'churn' }, ada))).toBe('ALREADY_EXISTS');
      expect(await code(registry.createModel({ name: 'bad/name' }, ada))).toBe('INVALID_ARGUMENT');
      await registry.createModel({ name: 'churn-v2' }, ada);
      const found = await registry.searchModels({ filter: "name LIKE 'churn%'", orderBy: ['name DESC'] });
      expect(found.items.map((x) => x.name)).toEqual(['churn-v2', 'churn']);
      expect((await registry.searchModels({ filter: "tags.team = 'growth'" })).items.map((x) => x.name)).toEqual(['churn']);
      await registry.renameModel('churn-v2', 'attrition', ada);
      expect(await code(registry.getModel('churn-v2'))).toBe('NOT_FOUND');
      await registry.deleteModel('attrition', ada);
      expect(await code(registry.getModel('attrition'))).toBe('NOT_FOUND');
      const history = await registry.history({ name: 'attrition' });
      expect(history.map((e) => e.type)).toEqual(['model.renamed', 'model.deleted']);
    });

    it('keeps a model history across renames, and a re-created name starts clean', async () => {
      await registry.createModel({ name: 'old-name' }, ada);
      await registry.createVersion({ name: 'old-name', source: 's3://b/o1' }, ada);
      await releases.setAlias('old-name', 'champion', '1', ada);
      const before = registry.clock.now();
      await new Promise((r) => setTimeout(r, 5));
      await registry.renameModel('old-name', 'new-name', ada);
      expect((await registry.history({ name: 'new-name' })).map((e) => e.type)).toEqual(['model.created', 'version.created', 'alias.set', 'model.renamed']);
      expect((await registry.aliasAt('new-name', 'champion', before)).version).toBe('1');
      await registry.deleteModel('new-name', ada);
      await registry.createModel({ name: 'new-name' }, bob);
      expect((await registry.history({ name: 'new-name' })).map((e) => e.type)).toEqual(['model.created']);
      expect((await registry.aliasAt('new-name', 'champion', registry.clock.now())).version).toBeNull();
      // The deleted model's events stay findable under the name they were recorded with.
      expect((await registry.history({ name: 'old-name' })).map((e) => e.type)).toEqual(['model.created', 'version.created', 'alias.set']);
    });

    it('numbers versions per model, never reuses a number, and copies run metrics', async () => {
      const exp = await tracking.createExperiment({ name: 'reg-versions' });
      const run = await tracking.createRun({ experimentId: exp });
      await tracking.logBatch(run.info.runId, { metrics: [{ key: 'auc', value: 0.91, timestamp: 1, step: 3 }] });
      await registry.createModel({ name: 'fraud' }, ada);
      const v1 = await registry.createVersion({ name: 'fraud', source: `${run.info.artifactUri}/model`, runId: run.info.runId }, ada);
      expect(v1).toMatchObject({ version: '1', status: 'READY', currentStage: 'None', runId: run.info.runId, metrics: [{ key: 'auc', value: 0.91, step: 3 }] });
      const v2 = await registry.createVersion({ name: 'fraud', source: 's3://b/m2' }, ada);
      expect(v2.version).toBe('2');
      await registry.deleteVersion('fraud', '2', ada);
      expect((await registry.createVersion({ name: 'fraud', source: 's3://b/m3' }, ada)).version).toBe('3');
      expect(await code(registry.createVersion({ name: 'nope', source: 'x' }, ada))).toBe('NOT_FOUND');
      expect(await code(registry.createVersion({ name: 'fraud', source: 'x', runId: 'f'.repeat(32) }, ada))).toBe('NOT_FOUND');
      const versions = await registry.searchVersions({ filter: "name = 'fraud'" });
      expect(versions.items.map((v) => v.version)).toEqual(['3', '1']);
      expect((await registry.searchVersions({ filter: `run_id = '${run.info.runId}'` })).items.map((v) => v.version)).toEqual(['1']);
      expect((await registry.resolve('models:/fraud/latest')).version).toBe('3');
    });

    it('moves aliases, resolves name@alias, and answers which version an alias held at a past time', async () => {
      await registry.createModel({ name: 'ranker' }, ada);
      for (let i = 0; i < 3; i++) await registry.createVersion({ name: 'ranker', source: `s3://b/r${i}` }, ada);
      await releases.setAlias('ranker', 'champion', '1', { user: 'ada', reason: 'first release' });
      const t1 = registry.clock.now();
      await new Promise((r) => setTimeout(r, 5));
      await releases.setAlias('ranker', 'champion', '2', ada);
      const t2 = registry.clock.now();
      await new Promise((r) => setTimeout(r, 5));
      await releases.setAlias('ranker', 'champion', '3', ada);
      expect((await registry.resolve('ranker@champion')).version).toBe('3');
      expect((await registry.getModel('ranker')).aliases).toEqual([{ alias: 'champion', version: '3' }]);
      expect((await registry.aliasAt('ranker', 'champion', t1)).version).toBe('1');
      expect((await registry.aliasAt('ranker', 'champion', t2)).version).toBe('2');
      expect((await registry.aliasAt('ranker', 'champion', 0)).version).toBeNull();
      const moves = await registry.history({ name: 'ranker', types: ['alias.set'] });
      expect(moves.map((e) => [e.fromVersion, e.toVersion])).toEqual([[null, '1'], ['1', '2'], ['2', '3']]);
      expect(moves[0]).toMatchObject({ actor: 'ada', reason: 'first release' });
      await registry.deleteVersion('ranker', '3', ada);
      expect(await code(registry.resolve('ranker@champion'))).toBe('NOT_FOUND');
      expect((await registry.aliasAt('ranker', 'champion', registry.clock.now())).version).toBeNull();
      expect(await code(releases.setAlias('ranker', 'latest', '1', ada))).toBe('INVALID_ARGUMENT');
      expect(await code(releases.setAlias('ranker', 'champion', '99', ada))).toBe('NOT_FOUND');
    });

    it('serializes concurrent alias moves: the history holds every move in order and nothing is lost', async () => {
      await registry.createModel({ name: 'race' }, ada);
      for (let i = 0; i < 4; i++) await registry.createVersion({ name: 'race', source: `s3://b/x${i}` }, ada);
      const moves = Array.from({ length: 20 }, (_, i) => releases.setAlias('race', 'champion', String((i % 4) + 1), i % 2 ? ada : bob));
      await Promise.all(moves);
      const history = await registry.history({ name: 'race', types: ['alias.set'] });
      expect(history).toHaveLength(20);
      // Each move starts where the previous one ended: no lost update.
      for (let i = 1; i < history.length; i++) expect(history[i]!.fromVersion).toBe(history[i - 1]!.toVersion);
      expect((await registry.getModel('race')).aliases[0]!.version).toBe(history.at(-1)!.toVersion);
    });

    it('gates an alias behind approval by another user, then applies it', async () => {
      await registry.createModel({ name: 'credit' }, ada);
      await registry.createVersion({ name: 'credit', source: 's3://b/c1' }, ada);
      await registry.createVersion({ name: 'credit', source: 's3://b/c2' }, ada);
      await releases.setAlias('credit', 'champion', '1', ada);
      await releases.setApprovalRule('credit', { target: 'champion' }, ada);
      expect(await code(releases.setAlias('credit', 'champion', '2', ada))).toBe('PERMISSION_DENIED');
      expect(await code(releases.deleteAlias('credit', 'champion', ada))).toBe('PERMISSION_DENIED');
      const request = await releases.requestApproval('credit', { target: 'champion', version: '2' }, { user: 'ada', reason: 'better AUC' });
      expect(request.status).toBe('pending');
      expect(await code(releases.approve(request.requestId, ada))).toBe('PERMISSION_DENIED');
      expect((await registry.resolve('credit@champion')).version).toBe('1');
      const approved = await releases.approve(request.requestId, bob);
      expect(approved).toMatchObject({ status: 'applied', decidedBy: 'bob' });
      expect((await registry.resolve('credit@champion')).version).toBe('2');
      const [move] = await registry.history({ name: 'credit', types: ['alias.set'], descending: true, limit: 1 });
      expect(move).toMatchObject({ actor: 'ada', reason: 'better AUC', fromVersion: '1', toVersion: '2', payload: { approvedBy: ['bob'] } });
      expect(await code(releases.approve(request.requestId, bob))).toBe('INVALID_STATE');
      const rejected = await releases.requestApproval('credit', { target: 'champion', version: '1' }, ada);
      expect((await releases.reject(rejected.requestId, bob)).status).toBe('rejected');
      expect((await registry.resolve('credit@champion')).version).toBe('2');
    });

    it('transitions stages, archiving the previous holder, and gates stages like aliases', async () => {
      await registry.createModel({ name: 'staged' }, ada);
      for (let i = 0; i < 2; i++) await registry.createVersion({ name: 'staged', source: `s3://b/s${i}` }, ada);
      await releases.transitionStage('staged', '1', 'production', false, ada);
      await releases.transitionStage('staged', '2', 'Production', true, ada);
      expect((await registry.getVersion('staged', '1')).currentStage).toBe('Archived');
      expect((await registry.latestVersions('staged', ['Production'])).map((v) => v.version)).toEqual(['2']);
      expect(await code(releases.transitionStage('staged', '1', 'Gold', false, ada))).toBe('INVALID_ARGUMENT');
      await releases.setApprovalRule('staged', { target: 'stage:Production' }, ada);
      expect(await code(releases.transitionStage('staged', '1', 'Production', false, ada))).toBe('PERMISSION_DENIED');
    });
  });
}
