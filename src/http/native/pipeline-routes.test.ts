import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are arbitrary JSON checked field by field
type Json = any;

// The real app in process (services exactly as the server builds them), driven with inject().
describe('pipeline routes', () => {
  let a: AscentApp;
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await a.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
    return { status: res.statusCode, body: res.json() };
  };
  beforeAll(async () => {
    a = await startAscentApp();
  });
  afterAll(async () => a?.close());

  it('registers, runs and reports a pipeline; refuses bad input with coded errors naming the field', async () => {
    const baseDir = path.join(a.dataDir, 'project');
    fs.mkdirSync(baseDir, { recursive: true });
    const yaml = 'name: routes\nparams:\n  n: { type: integer, default: 2 }\nsteps:\n  a: { run: [node, -e, "console.log(process.env.ASCENT_PARAM_N)"] }\n';
    const created = await call('POST', '/pipelines', { yaml, baseDir });
    expect(created).toMatchObject({ status: 200, body: { name: 'routes', version: 1 } });
    expect((await call('POST', '/pipelines', { yaml, baseDir })).body.version).toBe(1);

    const started = await call('POST', '/pipelines/routes/runs', { params: { n: 5 } });
    expect(started).toMatchObject({ status: 200, body: { pipelineName: 'routes', trigger: { kind: 'api' }, params: { n: 5 } } });
    const runId: string = started.body.runId;
    await a.services.pipelines.waitForRun(runId);
    const detail = await call('GET', `/pipeline-runs/${runId}`);
    expect(detail.body.run.status).toBe('succeeded');
    expect(detail.body.dag).toEqual([{ step: 'a', upstream: [] }]);
    expect((await call('GET', `/pipeline-runs/${runId}/steps/a/logs?after=0`)).body.lines.map((l: Json) => l.line)).toContain('5');
    expect((await call('GET', `/pipeline-runs/${runId}/steps/a/explain`)).body).toMatchObject({ stepName: 'a', cacheStatus: 'miss' });
    expect((await call('GET', '/pipeline-runs?pipeline=routes')).body.items).toHaveLength(1);
    expect((await call('GET', '/pipelines')).body.items[0]).toMatchObject({ name: 'routes', lastRun: { runId } });

    expect(await call('POST', '/pipelines', { yaml })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', field: 'baseDir' } } });
    expect(await call('POST', '/pipelines', { yaml: 'name: x\nsteps:\n  a: { run: y, needs: [b] }\n', baseDir })).toMatchObject({ status: 400, body: { error: { field: 'steps.a.needs.0' } } });
    expect(await call('POST', '/pipelines/routes/runs', { params: { n: 'many' } })).toMatchObject({ status: 400, body: { error: { field: 'params.n' } } });
    expect((await call('POST', '/pipelines/nope/runs', {})).status).toBe(404);
    expect((await call('GET', `/pipeline-runs/${runId}/steps/zzz/logs`)).status).toBe(404);
    expect(await call('POST', `/pipeline-runs/${runId}/resume`, {})).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect((await call('GET', '/pipeline-runs?limit=0')).status).toBe(400);
  });
});
