import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, AscentError, AscentApiError } from './index.js';

// A real server on a random port with its own SQLite file and artifact folder (no mocks).
let server: RunningServer;
let client: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-exp-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  client = new AscentClient({ baseUrl: server.url });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof AscentError ? err.code : String(err)));

describe('client.experiments', () => {
  it('creates an experiment and reads it back by id and by name', async () => {
    const id = await client.experiments.create('churn-baseline', { tags: { team: 'growth' } });
    expect(id).toMatch(/^\d+$/);
    const byId = await client.experiments.get(id);
    expect(byId).toMatchObject({ experimentId: id, name: 'churn-baseline', lifecycleStage: 'active' });
    expect(byId.tags).toContainEqual({ key: 'team', value: 'growth' });
    expect(await client.experiments.getByName('churn-baseline')).toEqual(byId);
  });

  it('refuses a duplicate name with ALREADY_EXISTS and the server message', async () => {
    await client.experiments.create('dup-name');
    const err = await client.experiments.create('dup-name').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AscentApiError);
    expect(err).toMatchObject({ code: 'ALREADY_EXISTS', httpStatus: 409 });
    expect((err as Error).message).toContain('dup-name');
    expect((err as AscentApiError).requestId).toBeTruthy();
  });

  it('maps an unknown id to NOT_FOUND and bad input to INVALID_ARGUMENT with its field', async () => {
    expect(await codeOf(client.experiments.get('987654'))).toBe('NOT_FOUND');
    expect(await codeOf(client.experiments.getByName('no such experiment'))).toBe('NOT_FOUND');
    const err = (await client.experiments.create('').catch((e: unknown) => e)) as AscentError;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('name');
  });

  it('finds names that hold slashes, spaces and unicode', async () => {
    const name = 'team a/forecast 2025 · ü';
    const id = await client.experiments.create(name);
    expect((await client.experiments.getByName(name)).experimentId).toBe(id);
  });

  it('renames, tags, deletes and restores', async () => {
    const id = await client.experiments.create('to-rename');
    const renamed = await client.experiments.rename(id, 'renamed');
    expect(renamed.name).toBe('renamed');
    await client.experiments.setTag(id, 'owner', 'ana');
    expect((await client.experiments.get(id)).tags).toContainEqual({ key: 'owner', value: 'ana' });

    await client.experiments.delete(id);
    expect((await client.experiments.get(id)).lifecycleStage).toBe('deleted');
    const active = await client.experiments.list({ maxResults: 1000 });
    expect(active.items.map((e) => e.experimentId)).not.toContain(id);
    const deleted = await client.experiments.list({ viewType: 'DELETED_ONLY' });
    expect(deleted.items.map((e) => e.experimentId)).toContain(id);

    await client.experiments.restore(id);
    expect((await client.experiments.get(id)).lifecycleStage).toBe('active');
    expect(await codeOf(client.experiments.restore(id))).toBe('INVALID_STATE');
  });

  it('pages through experiments with listAll', async () => {
    for (let i = 0; i < 7; i++) await client.experiments.create(`paged-${i}`);
    const first = await client.experiments.list({ filter: "name LIKE 'paged-%'", maxResults: 3, orderBy: ['name ASC'] });
    expect(first.items).toHaveLength(3);
    expect(first.nextPageToken).toBeTruthy();
    const names: string[] = [];
    for await (const e of client.experiments.listAll({ filter: "name LIKE 'paged-%'", maxResults: 3, orderBy: ['name ASC'] })) names.push(e.name);
    expect(names).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4', 'paged-5', 'paged-6']);
  });

  it('getOrCreateExperiment creates once, then returns the same experiment', async () => {
    const [a, b] = await Promise.all([client.getOrCreateExperiment('shared'), client.getOrCreateExperiment('shared')]);
    expect(a.experimentId).toBe(b.experimentId);
    expect((await client.getOrCreateExperiment('shared')).experimentId).toBe(a.experimentId);
  });

  it('getOrCreateExperiment refuses a deleted experiment with INVALID_STATE', async () => {
    const id = await client.experiments.create('gone');
    await client.experiments.delete(id);
    expect(await codeOf(client.getOrCreateExperiment('gone'))).toBe('INVALID_STATE');
  });
});

describe('client.projects and client.loggedModels', () => {
  it('lists the default project and projects created through experiments', async () => {
    await client.experiments.create('in-project', { projectId: 'vision' });
    const ids = (await client.projects.list()).map((p) => p.projectId);
    expect(ids).toEqual(expect.arrayContaining(['default', 'vision']));
  });

  it('gets a logged model, NOT_FOUND for an unknown one', async () => {
    const id = await client.experiments.create('with-model');
    const created = await server.services.loggedModels.create({ experimentId: id, name: 'clf', params: [{ key: 'depth', value: '4' }] });
    const model = await client.loggedModels.get(created.modelId);
    expect(model).toMatchObject({ modelId: created.modelId, name: 'clf', experimentId: id });
    expect(model.params).toContainEqual({ key: 'depth', value: '4' });
    expect(await codeOf(client.loggedModels.get('m-doesnotexist'))).toBe('NOT_FOUND');
  });
});
