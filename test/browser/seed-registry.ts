/** Seeds an Ascent server through the native API with what the registry pages of the UI show. */

export interface SeededRegistry {
  modelName: string;
  /** A second model (bob's, one version, no aliases), so the list has something to filter out. */
  otherModelName: string;
  experimentId: string;
  /** The training run all three versions were registered from, and the pipeline run above it. */
  runId: string;
  parentRunId: string;
  commit: string;
  datasetName: string;
  /** bob's pending request to move `champion` to version 3 (gated by ada's rule). */
  pendingRequestId: string;
  /** Times of the `champion` moves: → 1, then 1 → 2. */
  championMoves: { toVersion: string; time: number }[];
}

interface Event {
  type: string;
  alias: string | null;
  toVersion: string | null;
  time: number;
}

/** One native API call as `user` (the `x-ascent-user` header); throws with the server's answer on failure. */
export async function callAs<T>(base: string, user: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-ascent-user': user };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

async function upload(base: string, runId: string, artifactPath: string, body: string): Promise<void> {
  const res = await fetch(`${base}/api/v1/runs/${runId}/artifacts/content?path=${encodeURIComponent(artifactPath)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  if (!res.ok) throw new Error(`upload ${artifactPath} → ${res.status}: ${await res.text()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An MLmodel as mlflow 2.x writes it for scikit-learn, with a column signature. */
function mlmodel(runId: string): string {
  const inputs = JSON.stringify([
    { type: 'double', name: 'amount', required: true },
    { type: 'long', name: 'merchant_id', required: true },
    { type: 'string', name: 'country', required: true },
    { type: 'double', name: 'hour_of_day', required: false },
  ]);
  const outputs = JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } }]);
  return [
    'artifact_path: model',
    'flavors:',
    '  python_function:',
    '    env:',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.sklearn',
    '    model_path: model.pkl',
    '    predict_fn: predict',
    '    python_version: 3.11.9',
    '  sklearn:',
    '    code: null',
    '    pickled_model: model.pkl',
    '    serialization_format: cloudpickle',
    '    sklearn_version: 1.5.2',
    'mlflow_version: 2.17.0',
    'model_uuid: 5b0d2c9e6f7a4e1b9c3d8a7f6e5d4c3b',
    `run_id: ${runId}`,
    'signature:',
    `  inputs: '${inputs}'`,
    `  outputs: '${outputs}'`,
    '  params: null',
    "utc_time_created: '2026-01-31 12:00:00.000000'",
    '',
  ].join('\n');
}

/**
 * A pipeline run with a training run under it (params, metrics, a dataset input, git tags and a
 * model package); a model with three versions from the training run; `champion` moved 1 → 2 and
 * `challenger` 2 → 3; a rule gating `champion`; and bob's pending request to move it to 3.
 */
export async function seedRegistry(base: string): Promise<SeededRegistry> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const modelName = `fraud-detector-${suffix}`;
  const commit = '9c1e5b7a3d2f4e6a8b0c1d2e3f4a5b6c7d8e9f01';
  const datasetName = 'transactions-2026q1';
  const ada = <T>(method: string, path: string, body?: unknown) => callAs<T>(base, 'ada', method, path, body);

  const { experimentId } = await ada<{ experimentId: string }>('POST', '/experiments', { name: `registry-ui-${suffix}`, tags: [{ key: 'team', value: 'risk' }] });
  const t0 = Date.now() - 2 * 3_600_000;
  const parent = await ada<{ info: { runId: string } }>('POST', '/runs', { experimentId, runName: 'nightly-pipeline', startTime: t0, userId: 'ada' });
  const parentRunId = parent.info.runId;
  const run = await ada<{ info: { runId: string } }>('POST', '/runs', {
    experimentId,
    runName: 'train-gbm',
    startTime: t0 + 60_000,
    userId: 'ada',
    tags: [
      { key: 'mlflow.parentRunId', value: parentRunId },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.source.git.commit', value: commit },
      { key: 'mlflow.source.git.repoURL', value: 'https://github.com/acme/fraud-model.git' },
      { key: 'mlflow.source.git.branch', value: 'main' },
    ],
  });
  const runId = run.info.runId;
  await ada('POST', `/runs/${runId}/batch`, {
    params: [
      { key: 'learning_rate', value: '0.05' },
      { key: 'max_depth', value: '6' },
      { key: 'n_estimators', value: '400' },
    ],
    metrics: [
      { key: 'auc', value: 0.947, timestamp: t0 + 120_000, step: 0 },
      { key: 'f1', value: 0.812, timestamp: t0 + 120_000, step: 0 },
      { key: 'precision', value: 0.861, timestamp: t0 + 120_000, step: 0 },
    ],
  });
  await ada('POST', `/runs/${runId}/inputs`, {
    datasets: [
      {
        dataset: {
          name: datasetName,
          digest: 'e3b0c442',
          sourceType: 's3',
          source: 's3://acme-data/fraud/transactions-2026q1.parquet',
          schema: JSON.stringify({ mlflow_colspec: [{ name: 'amount', type: 'double' }, { name: 'merchant_id', type: 'long' }, { name: 'country', type: 'string' }] }),
        },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ],
  });
  await upload(base, runId, 'model/MLmodel', mlmodel(runId));
  await upload(base, runId, 'model/model.pkl', 'not really a pickle: the UI only lists and downloads it');
  await upload(base, runId, 'model/requirements.txt', 'mlflow==2.17.0\nscikit-learn==1.5.2\npandas>=2.0\n');
  await upload(base, runId, 'model/python_env.yaml', 'python: 3.11.9\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n');
  for (const id of [runId, parentRunId]) await ada('PATCH', `/runs/${id}`, { status: 'FINISHED', endTime: t0 + 600_000 });

  await ada('POST', '/models', {
    name: modelName,
    description: 'Scores card transactions for fraud; trained nightly on the latest quarter.',
    tags: [{ key: 'team', value: 'risk' }, { key: 'tier', value: 'critical' }],
  });
  for (let i = 1; i <= 3; i++) {
    await ada('POST', `/models/${modelName}/versions`, { source: `runs:/${runId}/model`, runId, description: `Nightly build ${i}.`, tags: [{ key: 'build', value: String(100 + i) }] });
  }
  // Alias moves a little apart, so a point in time between them is easy to name.
  await ada('PUT', `/models/${modelName}/aliases/champion`, { version: '1', reason: 'first production model' });
  await sleep(300);
  await ada('PUT', `/models/${modelName}/aliases/challenger`, { version: '2', reason: 'shadow traffic' });
  await sleep(300);
  await ada('PUT', `/models/${modelName}/aliases/champion`, { version: '2', reason: 'beat v1 on the holdout set' });
  await sleep(300);
  await ada('PUT', `/models/${modelName}/aliases/challenger`, { version: '3', reason: 'retrained with Q1 data' });
  await ada('PUT', `/models/${modelName}/approval-rules/champion`, { requiredApprovals: 1, allowSelfApproval: false, reason: 'production traffic' });
  const pending = await callAs<{ requestId: string }>(base, 'bob', 'POST', `/models/${modelName}/approvals`, { target: 'champion', version: '3', reason: 'v3 has better recall on the holdout set' });

  const otherModelName = `churn-forecast-${suffix}`;
  await callAs(base, 'bob', 'POST', '/models', { name: otherModelName, description: 'Predicts next-month churn.', tags: [{ key: 'team', value: 'growth' }] });
  await callAs(base, 'bob', 'POST', `/models/${otherModelName}/versions`, { source: `runs:/${runId}/model`, runId });

  const history = await ada<{ items: Event[] }>('GET', `/models/${modelName}/history?alias=champion&type=alias.set&order=asc`);
  const championMoves = history.items.map((e) => ({ toVersion: e.toVersion!, time: e.time }));
  return { modelName, otherModelName, experimentId, runId, parentRunId, commit, datasetName, pendingRequestId: pending.requestId, championMoves };
}
