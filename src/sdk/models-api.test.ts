import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, AscentError } from './index.js';

// A real server on a random port with its own SQLite file and artifact folder (no mocks).
let server: RunningServer;
let ada: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-models-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  ada = new AscentClient({ baseUrl: server.url, user: 'ada' });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof AscentError ? err.code : String(err)));
const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe('model and version lifecycle', () => {
  it('creates, finds, updates, tags and deletes a model, recording who and why', async () => {
    const model = await ada.models.create('churn', { description: 'churn classifier', tags: { team: 'risk' }, reason: 'new project' });
    expect(model).toMatchObject({ name: 'churn', description: 'churn classifier', owner: 'ada', tags: [{ key: 'team', value: 'risk' }], aliases: [] });
    expect(await codeOf(ada.models.create('churn'))).toBe('ALREADY_EXISTS');

    await ada.models.create('fraud');
    const page = await ada.models.list({ filter: "name LIKE 'ch%'" });
    expect(page.items.map((m) => m.name)).toEqual(['churn']);
    const all = await collect(ada.models.listAll({ maxResults: 1, orderBy: ['name ASC'] }));
    expect(all.map((m) => m.name)).toEqual(['churn', 'fraud']);

    expect((await ada.models.update('churn', { description: 'v2 features' })).description).toBe('v2 features');
    await ada.models.setTag('churn', 'tier', 'gold', { reason: 'promoted' });
    await ada.models.deleteTag('churn', 'team');
    expect((await ada.models.get('churn')).tags).toEqual([{ key: 'tier', value: 'gold' }]);

    const history = await ada.models.history('churn', { order: 'asc' });
    expect(history.map((e) => [e.type, e.actor, e.reason])).toEqual([
      ['model.created', 'ada', 'new project'],
      ['model.updated', 'ada', null],
      ['model.tag_set', 'ada', 'promoted'],
      ['model.tag_deleted', 'ada', null],
    ]);

    await ada.models.delete('fraud', { reason: 'abandoned' });
    expect(await codeOf(ada.models.get('fraud'))).toBe('NOT_FOUND');
    // The history outlives the model.
    expect((await ada.models.history('fraud', { limit: 1 }))[0]).toMatchObject({ type: 'model.deleted', reason: 'abandoned' });
  });

  it('registers immutable versions whose numbers are never reused', async () => {
    await ada.models.create('lifecycle');
    const v1 = await ada.models.createVersion('lifecycle', { source: 's3://bucket/models/a', description: 'first', tags: { framework: 'onnx' } });
    expect(v1).toMatchObject({ name: 'lifecycle', version: '1', status: 'READY', currentStage: 'None', userId: 'ada', tags: [{ key: 'framework', value: 'onnx' }] });
    const v2 = await ada.models.createVersion('lifecycle', { source: 's3://bucket/models/b' });
    expect(v2.version).toBe('2');

    expect((await ada.models.versions('lifecycle')).items.map((v) => v.version)).toEqual(['2', '1']);
    expect((await collect(ada.models.versionsAll('lifecycle', { maxResults: 1 }))).map((v) => v.version)).toEqual(['2', '1']);
    expect((await ada.models.updateVersion('lifecycle', 1, { description: 'baseline' }, { reason: 'clarify' })).description).toBe('baseline');
    await ada.models.setVersionTag('lifecycle', '1', 'validated', 'yes');
    expect((await ada.models.getVersion('lifecycle', '1')).tags).toContainEqual({ key: 'validated', value: 'yes' });

    await ada.models.deleteVersion('lifecycle', 2);
    expect(await codeOf(ada.models.getVersion('lifecycle', 2))).toBe('NOT_FOUND');
    expect((await ada.models.createVersion('lifecycle', { source: 's3://bucket/models/c' })).version).toBe('3');

    await ada.models.rename('lifecycle', 'lifecycle-renamed');
    expect(await codeOf(ada.models.get('lifecycle'))).toBe('NOT_FOUND');
    expect((await ada.models.getVersion('lifecycle-renamed', 3)).source).toBe('s3://bucket/models/c');
  });

  it('maps an unknown model or version to NOT_FOUND and a bad version to INVALID_ARGUMENT', async () => {
    expect(await codeOf(ada.models.get('nope'))).toBe('NOT_FOUND');
    // `GET /models/resolve` is the resolver route; a model of that name is still found.
    expect(await codeOf(ada.models.get('resolve'))).toBe('NOT_FOUND');
    await ada.models.create('resolve', { description: 'unlucky name' });
    expect((await ada.models.get('resolve')).description).toBe('unlucky name');
    expect(await codeOf(ada.models.versions('nope'))).toBe('NOT_FOUND');
    expect(await codeOf(ada.models.createVersion('nope', { source: 's3://x' }))).toBe('NOT_FOUND');
    expect(await codeOf(ada.models.getVersion('churn', 99))).toBe('NOT_FOUND');
    expect(await codeOf(ada.models.getVersion('churn', 'one'))).toBe('INVALID_ARGUMENT');
  });
});

describe('aliases, stages and references', () => {
  it('moves an alias and resolves every reference form', async () => {
    await ada.models.create('ranker');
    for (const source of ['s3://r/1', 's3://r/2']) await ada.models.createVersion('ranker', { source });
    expect((await ada.models.setAlias('ranker', 'champion', 1, { reason: 'baseline wins' })).aliases).toEqual(['champion']);
    expect((await ada.models.getByAlias('ranker', 'champion')).version).toBe('1');
    expect((await ada.models.get('ranker')).aliases).toEqual([{ alias: 'champion', version: '1' }]);

    const resolved = await Promise.all(['ranker@champion', 'models:/ranker@champion', 'ranker/2', 'models:/ranker/2', 'ranker/latest'].map((ref) => ada.models.resolve(ref)));
    expect(resolved.map((v) => v.version)).toEqual(['1', '1', '2', '2', '2']);
    expect(await codeOf(ada.models.resolve('ranker'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ada.models.resolve('ranker@nobody'))).toBe('NOT_FOUND');

    await ada.models.transitionStage('ranker', 2, 'Production', { reason: 'ship it' });
    expect((await ada.models.resolve('ranker/Production')).version).toBe('2');

    expect(await codeOf(ada.models.setAlias('ranker', 'latest', 1))).toBe('INVALID_ARGUMENT');
    await ada.models.deleteAlias('ranker', 'champion', { reason: 'retired' });
    expect(await codeOf(ada.models.getByAlias('ranker', 'champion'))).toBe('NOT_FOUND');
  });

  it('answers which version an alias pointed to at any moment', async () => {
    await ada.models.create('timeline');
    for (const source of ['s3://t/1', 's3://t/2']) await ada.models.createVersion('timeline', { source });
    await ada.models.setAlias('timeline', 'prod', 1);
    await new Promise((r) => setTimeout(r, 5));
    await ada.models.setAlias('timeline', 'prod', 2, { reason: 'better recall' });
    await new Promise((r) => setTimeout(r, 5));
    await ada.models.deleteAlias('timeline', 'prod');

    const events = await ada.models.history('timeline', { alias: 'prod', order: 'asc' });
    expect(events.map((e) => [e.type, e.fromVersion, e.toVersion])).toEqual([
      ['alias.set', null, '1'],
      ['alias.set', '1', '2'],
      ['alias.deleted', '2', null],
    ]);
    const [first, second, deleted] = events as [(typeof events)[0], (typeof events)[0], (typeof events)[0]];
    expect((await ada.models.aliasAt('timeline', 'prod', first.time - 1)).version).toBeNull();
    expect((await ada.models.aliasAt('timeline', 'prod', new Date(first.time))).version).toBe('1');
    const atSecond = await ada.models.aliasAt('timeline', 'prod', second.time);
    expect(atSecond.version).toBe('2');
    expect(atSecond.event).toMatchObject({ seq: second.seq, actor: 'ada', reason: 'better recall' });
    expect(await ada.models.aliasAt('timeline', 'prod', new Date(deleted.time + 1))).toMatchObject({ version: null, event: { type: 'alias.deleted' } });

    const created = await ada.models.history('timeline', { types: ['version.created'], order: 'asc' });
    expect(created.map((e) => e.version)).toEqual(['1', '2']);
  });
});

describe('packages', () => {
  it('downloads a version\'s package by alias and unpacks it byte for byte', async () => {
    const run = await ada.runs.create({ runName: 'train' });
    const weights = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    const files: Record<string, Uint8Array | string> = {
      'model/MLmodel': 'flavors:\n  python_function:\n    loader_module: scorer\n',
      'model/weights.bin': weights,
      'model/config/labels.json': '["stay","churn"]',
    };
    for (const [file, data] of Object.entries(files)) await ada.runs.uploadArtifact(run.info.runId, file, data);
    await ada.models.create('packaged');
    const v = await ada.models.createVersion('packaged', { source: `${run.info.artifactUri}/model`, runId: run.info.runId });
    await ada.models.setAlias('packaged', 'prod', v.version);

    const pkg = await ada.models.package('packaged', v.version);
    expect(pkg).toMatchObject({ flavors: ['python_function'], runtime: 'python', problems: [] });
    const sizeOf = (file: string) => Buffer.from(files[file]!).byteLength;
    expect(pkg.files).toEqual([
      { path: 'MLmodel', size: sizeOf('model/MLmodel') },
      { path: 'config/labels.json', size: sizeOf('model/config/labels.json') },
      { path: 'weights.bin', size: weights.byteLength },
    ]);
    expect(new TextDecoder().decode(await ada.models.packageFile('packaged', v.version, 'config/labels.json'))).toBe('["stay","churn"]');

    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-download-'));
    try {
      const downloaded = await ada.models.downloadPackage('packaged@prod', dest);
      expect(downloaded).toMatchObject({ name: 'packaged', version: '1', dir: path.join(dest, 'packaged-v1') });
      expect([...downloaded.files].sort()).toEqual(['MLmodel', 'config/labels.json', 'weights.bin']);
      for (const [file, data] of Object.entries(files)) {
        expect(fs.readFileSync(path.join(downloaded.dir, file.slice('model/'.length))).equals(Buffer.from(data))).toBe(true);
      }
      // The folder is not silently replaced; a second download into it must ask to overwrite.
      expect(await codeOf(ada.models.downloadPackage({ name: 'packaged', version: 1 }, dest))).toBe('ALREADY_EXISTS');
      fs.writeFileSync(path.join(downloaded.dir, 'stale.txt'), 'left over');
      await ada.models.downloadPackage('models:/packaged/1', dest, { overwrite: true });
      expect(fs.readdirSync(downloaded.dir).sort()).toEqual(['MLmodel', 'config', 'weights.bin']);
      // No staging folder is left behind.
      expect(fs.readdirSync(dest)).toEqual(['packaged-v1']);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });

  it('fails with NOT_FOUND for a version whose package this server does not hold, writing nothing', async () => {
    await ada.models.create('external');
    await ada.models.createVersion('external', { source: 's3://elsewhere/model' });
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-download-'));
    try {
      expect(await codeOf(ada.models.downloadPackage('external/1', dest))).toBe('NOT_FOUND');
      expect(fs.readdirSync(dest)).toEqual([]);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});

describe('acting user', () => {
  it('sends ASCENT_USER by default, or none, and refuses a name fetch cannot send', async () => {
    const before = process.env.ASCENT_USER;
    process.env.ASCENT_USER = 'carol';
    try {
      const carol = new AscentClient({ baseUrl: server.url });
      expect(carol.user).toBe('carol');
      expect((await carol.models.create('by-carol')).owner).toBe('carol');
    } finally {
      if (before === undefined) delete process.env.ASCENT_USER;
      else process.env.ASCENT_USER = before;
    }
    const nobody = new AscentClient({ baseUrl: server.url, user: null });
    expect((await nobody.models.create('by-nobody')).owner).toBe('anonymous');
    expect(() => new AscentClient({ baseUrl: server.url, user: 'ада—x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'user' }));
  });

  it('keeps any reason text exactly where the route takes it in the body, and refuses it only where it must travel as a header', async () => {
    await ada.models.create('unicode', { reason: 'déploiement — 紧急' });
    expect((await ada.models.history('unicode'))[0]?.reason).toBe('déploiement — 紧急');
    await ada.models.setTag('unicode', 'k', 'v', { reason: 'café' });
    expect((await ada.models.history('unicode', { limit: 1 }))[0]?.reason).toBe('café');
    await expect(ada.models.delete('unicode', { reason: 'line one\nline two' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'reason' });
    expect((await ada.models.get('unicode')).name).toBe('unicode');
  });
});
