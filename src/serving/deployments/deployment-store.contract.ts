import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import { ReleaseService } from '../../registry/releases.js';
import { RegistryService } from '../../registry/service.js';
import { SqlRegistryStore } from '../../registry/sql-store.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { DeploymentService } from './service.js';
import { SqlDeploymentStore } from './sql-store.js';

/** The deployments' behavioural contract, run against every SQL backend with the real registry. */
export function runDeploymentStoreContract(name: string, open: () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>): void {
  describe(`deployment store contract: ${name}`, () => {
    let deployments: DeploymentService;
    let database: SqlDatabase;
    let cleanup: () => Promise<void>;
    const ada = { user: 'ada' };

    beforeAll(async () => {
      const made = await open();
      database = made.database;
      cleanup = made.cleanup;
      const tracking = new TrackingService({ store: new SqlTrackingStore(database) });
      await tracking.init();
      const registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels: new LoggedModelService(tracking) });
      await registry.createModel({ name: 'iris' }, ada);
      await registry.createVersion({ name: 'iris', source: 's3://b/iris1' }, ada);
      await registry.createVersion({ name: 'iris', source: 's3://b/iris2' }, ada);
      await new ReleaseService(registry).setAlias('iris', 'champion', '1', ada);
      deployments = new DeploymentService({ store: new SqlDeploymentStore(database), models: registry });
    });
    afterAll(async () => cleanup?.());

    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (err) {
        return (err as AscentError).code + ((err as AscentError).field ? `:${(err as AscentError).field}` : '');
      }
      return 'NO_ERROR';
    };

    it('creates a deployment with defaults, lists it and refuses a duplicate', async () => {
      const d = await deployments.create({ name: 'iris-prod', variants: [{ name: 'a', model: 'iris@champion' }] }, 'ada');
      expect(d).toMatchObject({ name: 'iris-prod', revision: 1, inputSampleRate: 1, variants: [{ name: 'a', model: 'iris@champion', role: 'split', weight: 1, concurrency: 4, maxQueue: 256 }] });
      expect((await deployments.list()).map((x) => x.name)).toContain('iris-prod');
      expect(await code(deployments.create({ name: 'iris-prod', variants: [{ name: 'a', model: 'iris/1' }] }, 'ada'))).toBe('ALREADY_EXISTS');
      expect((await deployments.revisions()).get('iris-prod')).toBe(1);
    });

    it('rejects bad specs naming the field, and writes nothing', async () => {
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'nope/1' }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0.model');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/9' }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0.model');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', weight: -1 }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0.weight');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1' }, { name: 'a', model: 'iris/2' }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.1.name');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', role: 'shadow', percent: 10 }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', role: 'canary', percent: 60 }, { name: 'b', model: 'iris/2', role: 'canary', percent: 50 }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants');
      expect(await code(deployments.create({ name: '../etc', variants: [{ name: 'a', model: 'iris/1' }] }, 'ada'))).toBe('INVALID_ARGUMENT:name');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', extra: 1 }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', runtime: 'http' }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0.http');
      expect(await code(deployments.create({ name: 'x', variants: [{ name: 'a', model: 'iris/1', runtime: 'http', http: { url: 'file:///etc/passwd' } }] }, 'ada'))).toBe('INVALID_ARGUMENT:variants.0.http.url');
      expect(await deployments.list().then((l) => l.some((d) => d.name === 'x'))).toBe(false);
    });

    it('records every change as a revision and refuses a stale writer', async () => {
      await deployments.create({ name: 'ab', variants: [{ name: 'v1', model: 'iris/1' }] }, 'ada');
      const r2 = await deployments.update('ab', { variants: [{ name: 'v1', model: 'iris/1', weight: 3 }, { name: 'v2', model: 'iris/2' }], message: 'A/B' }, 'bob');
      expect(r2.revision).toBe(2);
      const r3 = await deployments.setTraffic('ab', { traffic: [{ variant: 'v2', role: 'canary', percent: 25 }] }, 'bob');
      expect(r3.revision).toBe(3);
      expect(r3.variants.find((v) => v.name === 'v2')).toMatchObject({ role: 'canary', percent: 25 });
      expect(r3.variants.find((v) => v.name === 'v1')).toMatchObject({ weight: 3 });
      expect(await code(deployments.update('ab', { variants: [{ name: 'v1', model: 'iris/2' }], expectedRevision: 2 }, 'eve'))).toBe('INVALID_STATE');
      expect(await code(deployments.setTraffic('ab', { traffic: [{ variant: 'zz', weight: 1 }] }, 'bob'))).toBe('INVALID_ARGUMENT:traffic.0.variant');
      const history = await deployments.history('ab');
      expect(history.map((h) => [h.revision, h.actor, h.message])).toEqual([[3, 'bob', null], [2, 'bob', 'A/B'], [1, 'ada', null]]);
      expect(history[2]!.spec.variants).toHaveLength(1);
    });

    it('concurrent writers from two replicas: exactly one wins each revision', async () => {
      await deployments.create({ name: 'race', variants: [{ name: 'v1', model: 'iris/1' }] }, 'ada');
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => deployments.update('race', { variants: [{ name: 'v1', model: 'iris/1', weight: i + 1 }], expectedRevision: 1 }, `w${i}`)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AscentError).code)).toEqual(Array(5).fill('INVALID_STATE'));
      expect((await deployments.history('race')).map((h) => h.revision)).toEqual([2, 1]);
    });

    it('rolls back to the previous revision (or a chosen one) as a new revision', async () => {
      const back = await deployments.rollback('ab', {}, 'ada');
      expect(back.revision).toBe(4);
      expect(back.variants.find((v) => v.name === 'v2')).toMatchObject({ role: 'split', percent: 0 });
      const first = await deployments.rollback('ab', { toRevision: 1 }, 'ada');
      expect(first.variants.map((v) => v.name)).toEqual(['v1']);
      expect((await deployments.history('ab', 1))[0]!.message).toBe('rollback to revision 1');
      expect(await code(deployments.rollback('ab', { toRevision: 99 }, 'ada'))).toBe('INVALID_ARGUMENT:toRevision');
      expect(await code(deployments.rollback('iris-prod', {}, 'ada'))).toBe('INVALID_ARGUMENT:toRevision');
    });

    it('deletes a deployment with its history; a re-created name starts at revision 1', async () => {
      await deployments.delete('ab');
      expect(await code(deployments.get('ab'))).toBe('NOT_FOUND');
      expect(await code(deployments.delete('ab'))).toBe('NOT_FOUND');
      const again = await deployments.create({ name: 'ab', variants: [{ name: 'v1', model: 'iris/2' }] }, 'ada');
      expect(again.revision).toBe(1);
      expect(await deployments.history('ab')).toHaveLength(1);
    });
  });
}
