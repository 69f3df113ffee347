import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient } from '../sdk/index.js';
import { IRIS } from '../../test/fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from '../../test/e2e/serving-registry.js';

// The real `ascent deploy` / `ascent deployments …` in child processes, and the SDK, against a real
// in-process server serving the iris ONNX model with onnxruntime-node.
let server: RunningServer;
let dataDir: string;
const root = path.resolve(import.meta.dirname, '../..');

function ascent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ASCENT_URL: server.url, NO_COLOR: '1', ASCENT_USER: 'ada' }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}
const json = async (args: string[]) => {
  const r = await ascent([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { revision: number; variants: { name: string; role: string; weight: number; percent: number; model: string }[]; status: { state: string } };
};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-cli-deploy-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  await registerIrisOnnx(server.services, 'iris', 2);
}, 120_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('ascent deploy and ascent deployments', () => {
  it('deploys, adds a canary, shifts and promotes traffic, rolls back, and shows it all', async () => {
    const created = await ascent(['deploy', 'iris', 'iris/1']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Deployment iris\s+revision 1\s+ready/);
    expect(created.stdout).toMatch(/main\s+│?\s*iris\/1\s+│?\s*1\s+│?\s*split\s+│?\s*100%\s+│?\s*4\s+│?\s*32\s+│?\s*yes/);

    const canary = await json(['deploy', 'iris', '--canary', 'iris/2', '--canary-percent', '20', '-m', 'try v2']);
    expect(canary.revision).toBe(2);
    expect(canary.variants.find((v) => v.name === 'canary')).toMatchObject({ model: 'iris/2', role: 'canary', percent: 20 });
    expect(canary.status.state).toBe('ready');

    expect((await json(['deployments', 'traffic', 'iris', 'canary=40%'])).variants.find((v) => v.name === 'canary')!.percent).toBe(40);
    const back = await json(['deployments', 'rollback', 'iris']);
    expect(back.revision).toBe(4);
    expect(back.variants.find((v) => v.name === 'canary')!.percent).toBe(20);
    const promoted = await json(['deployments', 'traffic', 'iris', '--promote', 'canary']);
    expect(promoted.variants.map((v) => [v.name, v.role, v.weight])).toEqual([['main', 'split', 0], ['canary', 'split', 1]]);

    const ls = await ascent(['deployments', 'ls']);
    expect(ls.stdout).toMatch(/iris\s+│?\s*5\s+│?\s*ready/);
    const show = await ascent(['deployments', 'show', 'iris']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Revisions');
    expect(show.stdout).toContain('rollback to revision 2');
    expect(show.stdout).toContain('try v2');
  }, 180_000);

  it('--max-batch sets how many rows one model call takes (1: batching off), and status shows it', async () => {
    const off = await ascent(['deploy', 'iris-unbatched', 'iris/1', '--max-batch', '1', '--json']);
    expect(off.code, off.stderr).toBe(0);
    const d = JSON.parse(off.stdout) as { variants: { maxBatch?: number }[]; status: { variants: { maxBatch: number }[] } };
    expect(d.variants[0]!.maxBatch).toBe(1);
    expect(d.status.variants[0]!.maxBatch).toBe(1);
    const bad = await ascent(['deploy', 'iris-unbatched', 'iris/1', '--max-batch', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-batch must be a positive integer');
  }, 120_000);

  it('refuses bad input with a coded error and exit code 2', async () => {
    const noModel = await ascent(['deploy', 'ghost']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('INVALID_ARGUMENT');
    const badRef = await ascent(['deploy', 'ghost', 'nope/1']);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(/variants\.0\.model|nope/);
    const badTraffic = await ascent(['deployments', 'traffic', 'iris', 'zzz=5']);
    expect(badTraffic.code).toBe(2);
    expect((await ascent(['deployments', 'show', 'ghost'])).code).toBe(2);
  }, 120_000);

  it('the SDK predicts on records, sends feedback and reads the inference log back', async () => {
    const client = new AscentClient({ baseUrl: server.url, user: 'ada' });
    const records = IRIS.rows.slice(0, 2).map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]])));
    const r = await client.deployments.predict('iris', records, { requestId: 'sdk-1' });
    expect(r).toMatchObject({ requestId: 'sdk-1', deployment: 'iris', variant: 'canary', version: '2' });
    expect((r.predictions as { label: number }[]).map((p) => p.label)).toEqual([IRIS.labels[0], IRIS.labels[1]]);
    expect(await client.deployments.feedback('iris', { requestId: 'sdk-1', labels: [0, 0] })).toBe(1);
    await server.services.serving.log.flush();
    const log = await client.deployments.inferenceLog(['sdk-1']);
    expect(log.predictions[0]).toMatchObject({ requestId: 'sdk-1', modelVersion: '2' });
    expect(log.feedback[0]).toMatchObject({ requestId: 'sdk-1', labels: [0, 0] });
    expect((await client.deployments.revisions('iris')).length).toBe(5);
  });
});
