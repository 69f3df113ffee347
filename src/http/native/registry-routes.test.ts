import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import type { AppServices } from '../app-services.js';
import { writeModelPackage } from '../../registry/packages/model-package.js';
import { requireProxiedArtifactPath } from '../../tracking/artifact-uri.js';
import { createServices } from '../../server.js';
import { registerNativeApi } from './register-native-api.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are arbitrary JSON checked field by field
type Json = any;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const SIGNATURE = {
  inputs: [{ type: 'tensor', name: 'features', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }],
  outputs: [{ type: 'tensor', name: 'label', 'tensor-spec': { dtype: 'int64', shape: [-1] } }],
  params: [{ name: 'threshold', type: 'double', default: 0.5, shape: null }],
};

async function untar(gz: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  Readable.from([gunzipSync(gz)]).pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

// Real SQLite file and real on-disk artifact store behind the routes; requests via app.inject().
describe('registry API /api/v1/models', () => {
  let app: FastifyInstance;
  let services: AppServices;
  let close: () => Promise<void>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-registry-api-'));

  beforeAll(async () => {
    const made = await createServices(loadConfig({ dataDir: dir, logLevel: 'silent' }));
    services = made.services;
    close = made.close;
    app = Fastify({ bodyLimit: 1024 * 1024 });
    await app.register(registerNativeApi, { prefix: '/api/v1', services });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: Method, url: string, body?: unknown, user?: string) => {
    const res = await app.inject({ method, url: `/api/v1${url}`, ...(user ? { headers: { 'x-ascent-user': user } } : {}), ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: (res.body && String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(res.body) : {}) as Json, raw: res.rawPayload, headers: res.headers };
  };
  const newRun = async (experimentId: string, runName: string, tags: { key: string; value: string }[] = []) => (await call('POST', '/runs', { experimentId, runName, tags })).body.info.runId as string;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('registers a version from a run with a dataset input and a git commit and reads the full lineage back', async () => {
    const exp = (await call('POST', '/experiments', { name: 'lineage' })).body.experimentId as string;
    const schedule = await newRun(exp, 'nightly');
    const pipeline = await newRun(exp, 'train-pipeline', [
      { key: 'mlflow.parentRunId', value: schedule },
      { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
      { key: 'mlflow.source.git.repoURL', value: 'https://git.example.com/team/iris.git' },
    ]);
    const train = await newRun(exp, 'train', [
      { key: 'mlflow.parentRunId', value: pipeline },
      { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
      { key: 'mlflow.source.git.repoURL', value: 'https://git.example.com/team/iris.git' },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ]);
    await call('POST', `/runs/${train}/batch`, { params: [{ key: 'lr', value: '0.1' }], metrics: [{ key: 'rmse', value: 0.25, timestamp: 1, step: 3 }] });
    const dataset = { name: 'iris', digest: 'a1b2c3d4', sourceType: 'http', source: '{"url": "https://data.example.com/iris.csv"}' };
    expect((await call('POST', `/runs/${train}/inputs`, { datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] })).status).toBe(200);
    await call('PATCH', `/runs/${train}`, { status: 'FINISHED', endTime: 2 });

    expect((await call('POST', '/models', { name: 'iris classifier' }, 'ada')).status).toBe(200);
    const created = await call('POST', '/models/iris%20classifier/versions', { source: `runs:/${train}/model`, runId: train }, 'ada');
    expect(created.body).toMatchObject({ name: 'iris classifier', version: '1', runId: train, userId: 'ada', metrics: [{ key: 'rmse', value: 0.25, step: 3 }] });

    const { status, body: g } = await call('GET', '/models/iris%20classifier/versions/1/lineage');
    expect(status).toBe(200);
    const node = (id: string) => g.nodes.find((n: Json) => n.id === id);
    const edges = g.edges.map((e: Json) => `${e.from} -${e.relation}-> ${e.to}`);
    expect(g.root).toBe('model_version:iris classifier/1');
    expect(node(g.root)).toMatchObject({ kind: 'model_version', data: { source: `runs:/${train}/model`, runId: train } });
    expect(node(`run:${train}`)).toMatchObject({ kind: 'run', label: 'train', data: { runId: train, name: 'train', status: 'FINISHED', params: { lr: '0.1' }, metrics: { rmse: 0.25 } } });
    expect(node('dataset:iris@a1b2c3d4')).toMatchObject({ kind: 'dataset', data: { name: 'iris', digest: 'a1b2c3d4', sourceType: 'http', source: dataset.source, context: 'training' } });
    const codeId = 'code:https://git.example.com/team/iris.git@0123456789abcdef0123456789abcdef01234567';
    expect(node(codeId)).toMatchObject({ kind: 'code', label: 'iris@0123456789ab', data: { commit: '0123456789abcdef0123456789abcdef01234567', repoUrl: 'https://git.example.com/team/iris.git', entryPoint: 'train.py', sourceType: 'LOCAL', dirty: 'unknown' } });
    expect(node(`run:${pipeline}`)).toMatchObject({ kind: 'parent_run', label: 'train-pipeline' });
    expect(node(`run:${schedule}`)).toMatchObject({ kind: 'parent_run', label: 'nightly', data: { parentRunId: null } });
    expect(edges).toEqual(
      expect.arrayContaining([
        `${g.root} -produced_by-> run:${train}`,
        `run:${train} -consumed-> dataset:iris@a1b2c3d4`,
        `run:${train} -executed-> ${codeId}`,
        `run:${train} -child_of-> run:${pipeline}`,
        `run:${pipeline} -executed-> ${codeId}`,
        `run:${pipeline} -child_of-> run:${schedule}`,
      ]),
    );
    // The pipeline ran the same commit: one code node, two edges to it.
    expect(g.nodes.filter((n: Json) => n.kind === 'code')).toHaveLength(1);
    expect(g.deployments).toEqual([]);
    expect(g.note).toMatch(/serving/);

    // A version registered from an MLflow 3 logged model: logged model node, and a known dirty flag.
    const dirtyRun = await newRun(exp, 'dirty', [{ key: 'mlflow.source.git.commit', value: 'feedface' }, { key: 'mlflow.source.git.dirty', value: 'true' }]);
    const logged = await services.loggedModels.create({ experimentId: exp, sourceRunId: dirtyRun, name: 'iris-model' });
    await call('POST', '/models/iris%20classifier/versions', { source: `models:/${logged.modelId}` });
    const l2 = (await call('GET', '/models/iris%20classifier/versions/2/lineage')).body;
    expect(l2.nodes.find((n: Json) => n.kind === 'logged_model')).toMatchObject({ id: `logged_model:${logged.modelId}`, label: 'iris-model' });
    expect(l2.nodes.find((n: Json) => n.kind === 'code').data.dirty).toBe(true);
    expect(l2.edges).toEqual(expect.arrayContaining([{ from: l2.root, to: `logged_model:${logged.modelId}`, relation: 'registered_from' }, { from: `logged_model:${logged.modelId}`, to: `run:${dirtyRun}`, relation: 'logged_by' }]));
    expect((await call('GET', '/models/iris%20classifier/versions/9/lineage')).body.error.code).toBe('NOT_FOUND');
  });

  it('serves a package written with writeModelPackage: signature, flavors, runtime, files, and a tar.gz of the same bytes', async () => {
    const exp = (await call('POST', '/experiments', { name: 'packages' })).body.experimentId as string;
    const runId = await newRun(exp, 'export-onnx');
    const runRoot = requireProxiedArtifactPath((await services.tracking.getRunInfo(runId)).artifactUri);
    const onnx = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251));
    await writeModelPackage(services.artifacts, `${runRoot}/model`, { flavors: { onnx: { data: 'model.onnx', onnx_version: '1.17.0' } }, files: [{ path: 'model.onnx', body: onnx }], signature: SIGNATURE, requirements: ['onnxruntime==1.20.0'] });
    await call('POST', '/models', { name: 'iris.onnx' });
    const v = await call('POST', '/models/iris.onnx/versions', { source: `runs:/${runId}/model` });
    expect(v.body.runId).toBeNull();
    expect(JSON.parse((await call('GET', '/models/iris.onnx/versions/1')).body.signature)).toEqual(SIGNATURE);

    const pkg = (await call('GET', '/models/iris.onnx/versions/1/package')).body;
    expect(pkg).toMatchObject({ flavors: ['onnx'], runtime: 'onnx', signature: SIGNATURE, requirements: ['onnxruntime==1.20.0'], problems: [], root: `${runRoot}/model` });
    expect(pkg.manifest.flavors.onnx).toMatchObject({ data: 'model.onnx' });
    expect(pkg.files.map((f: Json) => f.path)).toEqual(['MLmodel', 'model.onnx', 'requirements.txt']);

    const one = await call('GET', '/models/iris.onnx/versions/1/package/content?path=model.onnx');
    expect(one.status).toBe(200);
    expect(one.raw.equals(onnx)).toBe(true);
    const manifest = await call('GET', '/models/iris.onnx/versions/1/package/content?path=MLmodel');
    expect(manifest.headers['content-type']).toContain('text/plain');

    const tgz = await call('GET', '/models/iris.onnx/versions/1/package.tar.gz');
    expect(tgz.status).toBe(200);
    expect(tgz.headers['content-type']).toBe('application/gzip');
    expect(tgz.headers['content-disposition']).toBe('attachment; filename="iris.onnx-v1.tar.gz"');
    const files = await untar(tgz.raw);
    expect([...files.keys()].sort()).toEqual(['iris.onnx-v1/MLmodel', 'iris.onnx-v1/model.onnx', 'iris.onnx-v1/requirements.txt']);
    expect(files.get('iris.onnx-v1/model.onnx')!.equals(onnx)).toBe(true);
    expect(files.get('iris.onnx-v1/MLmodel')!.equals(manifest.raw)).toBe(true);

    // MLflow 2 order reversed: the version first, its package uploaded afterwards; the signature is read on demand.
    await call('POST', '/models/iris.onnx/versions', { source: `runs:/${runId}/late` });
    expect((await call('GET', '/models/iris.onnx/versions/2')).body.signature).toBeNull();
    expect((await call('GET', '/models/iris.onnx/versions/2/package')).body.error.code).toBe('NOT_FOUND');
    const mlmodel = `flavors:\n  js:\n    entry: model.mjs\nsignature:\n  inputs: '[{"type": "double", "name": "x"}]'\n  outputs: null\n`;
    await app.inject({ method: 'PUT', url: `/api/v1/runs/${runId}/artifacts/content?path=late/MLmodel`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(mlmodel) });
    expect(JSON.parse((await call('GET', '/models/iris.onnx/versions/2')).body.signature)).toEqual({ inputs: [{ type: 'double', name: 'x' }], outputs: null, params: null });
    expect((await call('GET', '/models/iris.onnx/versions/2/package')).body).toMatchObject({ runtime: 'js', problems: ["flavor file 'model.mjs' is missing from the package"] });
  });

  it('refuses package content paths that leave the package', async () => {
    for (const bad of ['../MLmodel', '../../../../etc/passwd', '/etc/passwd', 'a/../../b', '%2e%2e/x', 'a\\..\\b']) {
      const res = await call('GET', `/models/iris.onnx/versions/1/package/content?path=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('INVALID_ARGUMENT');
    }
    expect((await call('GET', '/models/iris.onnx/versions/1/package/content?path=missing.bin')).status).toBe(404);
    expect((await call('GET', '/models/iris.onnx/versions/1/package/content?path=.')).status).toBe(404);
  });

  it('gates an alias behind approval: a direct move is 403 PERMISSION_DENIED, an approved request moves it', async () => {
    await call('POST', '/models', { name: 'churn' }, 'ada');
    await call('POST', '/models/churn/versions', { source: 's3://models/churn/1' }, 'ada');
    const rule = await call('PUT', '/models/churn/approval-rules/champion', { requiredApprovals: 1 }, 'ada');
    expect(rule.body).toMatchObject({ target: 'champion', requiredApprovals: 1, allowSelfApproval: false, createdBy: 'ada' });
    expect((await call('GET', '/models/churn/approval-rules/champion')).body.requiredApprovals).toBe(1);

    const refused = await call('PUT', '/models/churn/aliases/champion', { version: '1' }, 'ada');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('PERMISSION_DENIED');
    expect(refused.body.error.message).toContain('/api/v1/models/churn/approvals');
    expect((await call('GET', '/models/churn/aliases/champion')).status).toBe(404);

    const request = await call('POST', '/models/churn/approvals', { target: 'champion', version: 1, reason: 'beats v0 on AUC' }, 'ada');
    expect(request.body).toMatchObject({ status: 'pending', requestedBy: 'ada', reason: 'beats v0 on AUC' });
    const id = request.body.requestId as string;
    expect((await call('GET', '/approvals?model=churn&status=pending')).body.items.map((r: Json) => r.requestId)).toEqual([id]);
    const self = await call('POST', `/approvals/${id}/approve`, {}, 'ada');
    expect(self).toMatchObject({ status: 403, body: { error: { code: 'PERMISSION_DENIED' } } });
    const approved = await call('POST', `/approvals/${id}/approve`, { comment: 'checked the eval report' }, 'bob');
    expect(approved.body).toMatchObject({ status: 'applied', decidedBy: 'bob', approvals: [{ user: 'bob', comment: 'checked the eval report' }] });
    expect((await call('GET', '/models/churn/aliases/champion')).body.version).toBe('1');
    const [moved] = (await call('GET', '/models/churn/history?type=alias.set')).body.items;
    expect(moved).toMatchObject({ actor: 'ada', toVersion: '1', reason: 'beats v0 on AUC', payload: { approvedBy: ['bob'] } });

    // Stage transitions are gated the same way.
    await call('PUT', '/models/churn/approval-rules/stage:Production', {}, 'ada');
    const stage = await call('POST', '/models/churn/versions/1/stage', { stage: 'production', archiveExistingVersions: true }, 'ada');
    expect(stage.status).toBe(403);
    expect((await call('POST', '/models/churn/versions/1/stage', { stage: 'Staging' }, 'ada')).body.currentStage).toBe('Staging');
    expect((await call('DELETE', '/models/churn/approval-rules/champion', undefined, 'ada')).status).toBe(200);
    expect((await call('GET', '/models/churn/approval-rules')).body.items.map((r: Json) => r.target)).toEqual(['stage:Production']);
  });

  it('answers which version an alias pointed to at a point in time', async () => {
    await call('POST', '/models', { name: 'ranker' });
    for (let i = 0; i < 3; i++) await call('POST', '/models/ranker/versions', { source: `s3://models/ranker/${i}` });
    await call('PUT', '/models/ranker/aliases/prod', { version: 1 }, 'ada');
    await sleep(15);
    const res = await app.inject({ method: 'PUT', url: '/api/v1/models/ranker/aliases/prod', headers: { 'x-ascent-user': 'bob', 'x-ascent-reason': 'rollout' }, payload: { version: '2' } });
    expect(res.statusCode).toBe(200);
    await sleep(15);
    await call('PUT', '/models/ranker/aliases/prod', { version: '3' }, 'ada');
    const events = (await call('GET', '/models/ranker/history?alias=prod&order=asc')).body.items;
    expect(events.map((e: Json) => [e.type, e.toVersion, e.actor])).toEqual([
      ['alias.set', '1', 'ada'],
      ['alias.set', '2', 'bob'],
      ['alias.set', '3', 'ada'],
    ]);
    expect(events[1].reason).toBe('rollout');
    const at = async (time: string | number) => (await call('GET', `/models/ranker/aliases/prod/at?time=${encodeURIComponent(String(time))}`)).body;
    expect(await at(events[0].time - 1)).toEqual({ version: null, event: null });
    expect((await at(events[0].time)).version).toBe('1');
    expect(await at(events[1].time + 1)).toMatchObject({ version: '2', event: { seq: events[1].seq, actor: 'bob' } });
    expect((await at(new Date(events[1].time).toISOString())).version).toBe('2');
    expect((await at(Date.now() + 60_000)).version).toBe('3');
    await call('DELETE', '/models/ranker/aliases/prod');
    expect((await at(Date.now() + 60_000)).version).toBeNull();
    expect((await call('GET', '/models/ranker/aliases/prod/at?time=yesterday')).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'time' });
    expect((await call('GET', '/models/ranker/history?type=alias.nope')).status).toBe(400);
    expect((await call('GET', '/models/ranker/history?limit=1')).body.items.map((e: Json) => e.type)).toEqual(['alias.deleted']);
  });

  it('manages models, versions, tags and references with names that hold spaces and dots', async () => {
    const name = 'fraud model v1.2';
    const url = `/models/${encodeURIComponent(name)}`;
    expect((await call('POST', '/models', { name, description: 'first', tags: [{ key: 'team', value: 'risk' }] }, 'cy')).body).toMatchObject({ name, owner: 'cy', tags: [{ key: 'team', value: 'risk' }] });
    expect((await call('POST', '/models', { name })).body.error.code).toBe('ALREADY_EXISTS');
    expect((await call('POST', '/models', { name: 'a/b' })).status).toBe(400);
    expect((await call('GET', url)).body.description).toBe('first');
    expect((await call('GET', `/models?filter=${encodeURIComponent("name LIKE 'fraud%'")}`)).body.items.map((m: Json) => m.name)).toEqual([name]);
    expect((await call('GET', `/models?filter=${encodeURIComponent("tags.team = 'risk'")}&maxResults=1`)).body.items).toHaveLength(1);
    await call('PUT', `${url}/tags/tier`, { value: 'gold' });
    await call('DELETE', `${url}/tags/team`);
    expect((await call('GET', url)).body.tags).toEqual([{ key: 'tier', value: 'gold' }]);
    expect((await call('PATCH', url, { description: 'second' })).body.description).toBe('second');

    for (const source of ['s3://m/1', 's3://m/2', 's3://m/3']) await call('POST', `${url}/versions`, { source, description: source, tags: [{ key: 'src', value: source }] });
    expect((await call('GET', `${url}/versions`)).body.items.map((v: Json) => v.version)).toEqual(['3', '2', '1']);
    expect((await call('GET', `${url}/versions?maxResults=2`)).body.nextPageToken).toBeDefined();
    expect((await call('PATCH', `${url}/versions/2`, { description: 'two' })).body.description).toBe('two');
    await call('PUT', `${url}/versions/2/tags/validated`, { value: 'yes' });
    expect((await call('GET', `${url}/versions/2`)).body.tags).toEqual([{ key: 'src', value: 's3://m/2' }, { key: 'validated', value: 'yes' }]);
    await call('DELETE', `${url}/versions/2/tags/validated`);
    await call('PUT', `${url}/aliases/challenger`, { version: '2' });

    const resolve = async (ref: string) => (await call('GET', `/models/resolve?ref=${encodeURIComponent(ref)}`)).body;
    expect((await resolve(`models:/${name}/1`)).source).toBe('s3://m/1');
    expect((await resolve(`models:/${name}@challenger`)).version).toBe('2');
    expect((await resolve(`models:/${name}/latest`)).version).toBe('3');
    expect((await resolve('models:/nope/1')).error.code).toBe('NOT_FOUND');

    expect((await call('DELETE', `${url}/versions/3`)).status).toBe(200);
    await call('POST', `${url}/versions`, { source: 's3://m/4' });
    expect((await call('GET', `${url}/versions`)).body.items.map((v: Json) => v.version)).toEqual(['4', '2', '1']);
    expect((await call('PATCH', url, { name: 'fraud model v2.0' })).body.name).toBe('fraud model v2.0');
    expect((await call('GET', url)).status).toBe(404);
    await call('DELETE', `/models/${encodeURIComponent('fraud model v2.0')}`, undefined, 'cy');
    // The audit history outlives the model; an unknown name is a 404.
    const history = (await call('GET', `/models/${encodeURIComponent('fraud model v2.0')}/history`)).body.items;
    expect(history[0]).toMatchObject({ type: 'model.deleted', actor: 'cy' });
    expect((await call('GET', '/models/never-existed/history')).status).toBe(404);
    expect((await call('GET', '/models/never-existed/versions')).status).toBe(404);
  });

  it('describes the registry routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/models/{name}/versions/{version}/lineage', '/api/v1/models/{name}/aliases/{alias}/at', '/api/v1/approvals/{requestId}/approve', '/api/v1/models/{name}/versions/{version}/package.tar.gz']));
  });
});
