import fs from 'node:fs';
import path from 'node:path';
import { makeOnnxPackage } from '../../test/fixtures/serving/iris-packages.js';

/**
 * Upload the iris onnx package (with `onnxFile` as its graph) to a running Ascent, register it as
 * `iris` version 1 and deploy it as deployment `iris` with one variant, inference logging on
 * (inputs sampled at 100 %): the deployment every serving benchmark loads. Its onnx variant
 * batches requests that wait together (the default, `maxBatch` 32).
 */
export async function deployIris(url: string, onnxFile: string, workDir: string): Promise<void> {
  const pkg = makeOnnxPackage(path.join(workDir, 'ascent-package'));
  fs.copyFileSync(onnxFile, path.join(pkg, 'model.onnx'));
  for (const file of fs.readdirSync(pkg)) {
    const res = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/packages/iris/v1/${file}`, { method: 'PUT', body: fs.readFileSync(path.join(pkg, file)) });
    if (!res.ok) throw new Error(`upload ${file}: ${res.status} ${await res.text()}`);
  }
  await postJson(url, '/api/2.0/mlflow/registered-models/create', { name: 'iris' });
  await postJson(url, '/api/2.0/mlflow/model-versions/create', { name: 'iris', source: 'mlflow-artifacts:/packages/iris/v1' });
  await postJson(url, '/api/v1/deployments', { name: 'iris', variants: [{ name: 'main', model: 'iris/1', concurrency: 4, maxQueue: 4096 }], inputSampleRate: 1 });
}

/** The same model as deployment `iris-unbatched`, with dynamic batching off (`maxBatch: 1`). */
export async function deployIrisUnbatched(url: string): Promise<void> {
  await postJson(url, '/api/v1/deployments', { name: 'iris-unbatched', variants: [{ name: 'main', model: 'iris/1', concurrency: 4, maxQueue: 4096, maxBatch: 1 }], inputSampleRate: 1 });
}

/** POST JSON to a running server; throws with the answer on a non-2xx status. */
export async function postJson(url: string, route: string, json: unknown, method = 'POST'): Promise<unknown> {
  const res = await fetch(`${url}${route}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return res.json();
}
