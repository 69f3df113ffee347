import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../core/errors.js';
import { LocalExecutor } from './local-executor.js';
import { openPipelineHarness, type PipelineHarness } from './pipeline-harness.js';
import { PipelineService } from './service.js';
import { SqlPipelineStore } from './sql-store.js';

// Real SQLite, real artifact folder, real child processes: no mocks.
let h: PipelineHarness;
beforeAll(async () => {
  h = await openPipelineHarness();
});
afterAll(async () => h?.close());

const register = (yaml: string) => h.pipelines.registerPipeline({ yaml, baseDir: h.dir, file: 'pipeline.yaml' });
const runToEnd = async (pipeline: string, params: Record<string, string | number | boolean | (string | number)[]> = {}) => {
  const run = await h.pipelines.startRun({ pipeline, params });
  return h.pipelines.waitForRun(run.runId);
};
const step = (d: Awaited<ReturnType<typeof runToEnd>>, name: string) => d.steps.find((s) => s.stepName === name)!;
const logs = async (runId: string, stepName: string) => (await h.pipelines.getLogs(runId, stepName)).lines.map((l) => l.line);

describe('pipeline execution (local executor)', () => {
  it('runs a DAG: outputs flow downstream with digests, each step is a child tracking run', async () => {
    h.write('data/numbers.txt', '1\n2\n3\n');
    h.write('sum.mjs', "import fs from 'node:fs';\nconst n = fs.readFileSync(process.env.ASCENT_INPUT_NUMBERS, 'utf8').trim().split('\\n').map(Number);\nconsole.log('summing', n.length);\nfs.writeFileSync(process.env.ASCENT_OUTPUT_TOTAL, String(n.reduce((a, b) => a + b, 0) * Number(process.env.ASCENT_PARAM_SCALE)));\n");
    h.write('report.mjs', "import fs from 'node:fs';\nconsole.log('total is', fs.readFileSync(process.env.ASCENT_INPUT_TOTAL, 'utf8'));\n");
    await register(`
name: dag
params:
  scale: { type: number, default: 2 }
datasets:
  numbers: data/numbers.txt
steps:
  sum:
    run: node sum.mjs
    inputs: { numbers: datasets.numbers }
    outputs: { total: total.txt }
  report:
    run: node report.mjs
    inputs: { total: steps.sum.outputs.total }
`);
    const d = await runToEnd('dag');
    expect(d.run.status).toBe('succeeded');
    expect(step(d, 'sum').outputs[0]).toMatchObject({ name: 'total', sizeBytes: 2 });
    expect(step(d, 'sum').outputs[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await logs(d.run.runId, 'report')).toContain('total is 12');
    const parent = await h.tracking.getRun(d.run.trackingRunId!);
    expect(parent.inputs.datasetInputs[0]!.dataset.name).toBe('numbers');
    expect(parent.data.params).toContainEqual({ key: 'scale', value: '2' });
    const child = await h.tracking.getRun(step(d, 'sum').trackingRunId!);
    expect(child.info.parentRunId ?? child.data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value).toBe(d.run.trackingRunId);
    expect(child.info.status).toBe('FINISHED');
  });

  it("records the pipeline code's git commit on the run", async () => {
    const repo = h.write('git-project/pipeline.yaml', 'name: gitted\nsteps:\n  a: { run: node -e "" }\n').replace(/pipeline\.yaml$/, '');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    await h.pipelines.registerPipeline({ yaml: fs.readFileSync(`${repo}/pipeline.yaml`, 'utf8'), baseDir: repo });
    const d = await runToEnd('gitted');
    const tags = (await h.tracking.getRun(d.run.trackingRunId!)).data.tags;
    expect(tags).toContainEqual({ key: 'mlflow.source.git.commit', value: git('rev-parse', 'HEAD') });
    expect(tags).toContainEqual({ key: 'ascent.git.dirty', value: 'false' });
  });

  it('refuses a missing or mistyped parameter with the field named', async () => {
    await register('name: typed\nparams:\n  n: { type: integer }\nsteps:\n  a: { run: node -e "" }\n');
    const code = async (p: Promise<unknown>) => p.then(() => 'none', (e: AscentError) => `${e.code} ${e.field}`);
    expect(await code(h.pipelines.startRun({ pipeline: 'typed' }))).toBe('INVALID_ARGUMENT params.n');
    expect(await code(h.pipelines.startRun({ pipeline: 'typed', params: { n: 'x' } }))).toBe('INVALID_ARGUMENT params.n');
    expect(await code(h.pipelines.startRun({ pipeline: 'typed', params: { n: 1, m: 2 } }))).toBe('INVALID_ARGUMENT params.m');
    expect((await runToEnd('typed', { n: '3' })).run.params).toEqual({ n: 3 });
  });

  it('runs independent steps in parallel, never above the concurrency limit', async () => {
    // Each step waits for the other to start: this only completes when both run at once.
    const meet = (me: string, other: string) => `node -e "const fs=require('fs');fs.writeFileSync('${h.dir}/meet-${me}','');const t=Date.now();(function w(){if(fs.existsSync('${h.dir}/meet-${other}'))return;if(Date.now()-t>20000)process.exit(7);setTimeout(w,20)})()"`;
    await register(`name: parallel\nconcurrency: 2\nsteps:\n  a: { run: ${JSON.stringify(meet('a', 'b'))}, cache: false }\n  b: { run: ${JSON.stringify(meet('b', 'a'))}, cache: false }\n`);
    expect((await runToEnd('parallel')).run.status).toBe('succeeded');
    // Six steps with a limit of two: each records how many were running when it started.
    const probe = `node -e "const fs=require('fs');const d='${h.dir}/probe';fs.mkdirSync(d,{recursive:true});const me=d+'/'+process.env.ASCENT_STEP;fs.writeFileSync(me,'');fs.appendFileSync('${h.dir}/probe.log',fs.readdirSync(d).length+'\\\\n');setTimeout(()=>fs.rmSync(me),150)"`;
    await register(`name: limited\nconcurrency: 2\nsteps:\n${[1, 2, 3, 4, 5, 6].map((i) => `  s${i}: { run: ${JSON.stringify(probe)}, cache: false }`).join('\n')}\n`);
    expect((await runToEnd('limited')).run.status).toBe('succeeded');
    const seen = fs.readFileSync(`${h.dir}/probe.log`, 'utf8').trim().split('\n').map(Number);
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
  });

  it('retries a failing step with backoff and succeeds on a later attempt', async () => {
    const flaky = `node -e "const fs=require('fs');const f='${h.dir}/flaky-count';const n=fs.existsSync(f)?Number(fs.readFileSync(f,'utf8')):0;fs.writeFileSync(f,String(n+1));if(n<2){console.error('boom',n);process.exit(1)}console.log('ok at',n)"`;
    await register(`name: retry\nsteps:\n  flaky: { run: ${JSON.stringify(flaky)}, retries: { max: 3, backoff: 10ms }, cache: false }\n  never: { run: node -e "process.exit(2)", retries: 1, cache: false }\n`);
    const d = await runToEnd('retry');
    expect(step(d, 'flaky')).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(step(d, 'never')).toMatchObject({ status: 'failed', attempts: 2, error: 'exited with code 2' });
    expect(d.run.status).toBe('failed');
    const lines = await logs(d.run.runId, 'flaky');
    expect(lines.filter((l) => l.startsWith('retrying in'))).toHaveLength(2);
  });

  it('stops a step at its timeout and skips what depends on it', async () => {
    await register(`name: slow\nsteps:\n  hang: { run: ${JSON.stringify('node -e "setTimeout(()=>{},60000)"')}, timeout: 300ms, cache: false }\n  after: { run: node -e "", needs: [hang] }\n`);
    const d = await runToEnd('slow');
    expect(step(d, 'hang')).toMatchObject({ status: 'failed', error: 'timed out after 300 ms' });
    expect(step(d, 'after').status).toBe('skipped');
  });

  it('fans out over a list parameter and gathers the items downstream', async () => {
    h.write('square.mjs', "import fs from 'node:fs';\nconst x = JSON.parse(process.env.ASCENT_ITEM);\nfs.writeFileSync(process.env.ASCENT_OUTPUT_SQ, String(x * x));\n");
    h.write('gather.mjs', "import fs from 'node:fs';\nconst d = process.env.ASCENT_INPUT_SQUARES;\nconst v = fs.readdirSync(d).sort().map((i) => Number(fs.readFileSync(d + '/' + i, 'utf8')));\nconsole.log('sum', v.reduce((a, b) => a + b, 0));\n");
    await register(`
name: fan
params:
  xs: { type: list, default: [1, 2, 3, 4] }
steps:
  square: { run: node square.mjs, foreach: params.xs, outputs: { sq: sq.txt } }
  gather: { run: node gather.mjs, inputs: { squares: steps.square.outputs.sq } }
`);
    const d = await runToEnd('fan', { xs: '1,2,3,4' });
    expect(d.run.status).toBe('succeeded');
    expect(d.steps.map((s) => s.stepName)).toEqual(['square[0]', 'square[1]', 'square[2]', 'square[3]', 'gather']);
    expect(await logs(d.run.runId, 'gather')).toContain('sum 30');
  });
});

describe('cache', () => {
  beforeAll(async () => {
    h.write('cache/make.mjs', "import fs from 'node:fs';\nconsole.log('making');\nfs.writeFileSync(process.env.ASCENT_OUTPUT_OUT, 'v' + process.env.ASCENT_PARAM_N);\n");
    await register('name: cached\nparams:\n  n: { type: integer, default: 1 }\nsteps:\n  make: { run: node make.mjs, cwd: cache, outputs: { out: out.txt } }\n  use: { run: node -e "", inputs: { x: steps.make.outputs.out } }\n');
  });

  it('hits on an identical key, misses on a changed param and explains which part changed', async () => {
    const first = await runToEnd('cached');
    expect(step(first, 'make').cacheStatus).toBe('miss');
    const second = await runToEnd('cached');
    expect(step(second, 'make')).toMatchObject({ cacheStatus: 'hit', cachedFrom: step(first, 'make').stepRunId });
    expect(step(second, 'use').cacheStatus).toBe('hit');
    expect(await logs(second.run.runId, 'make')).not.toContain('making');
    const third = await runToEnd('cached', { n: 2 });
    expect(step(third, 'make').cacheStatus).toBe('miss');
    const why = await h.pipelines.explain(third.run.runId, 'make');
    expect(why.closest?.changes).toEqual([{ part: 'param:n', before: '1', now: '2' }]);
    const hit = await h.pipelines.explain(second.run.runId, 'make');
    expect(hit.closest).toMatchObject({ stepRunId: step(first, 'make').stepRunId, changes: [] });
  });

  it('misses when a code file changes', async () => {
    await runToEnd('cached');
    h.write('cache/make.mjs', fs.readFileSync(`${h.dir}/cache/make.mjs`, 'utf8') + '// edited\n');
    const d = await runToEnd('cached');
    expect(step(d, 'make').cacheStatus).toBe('miss');
    const why = await h.pipelines.explain(d.run.runId, 'make');
    expect(why.closest?.changes.map((c) => c.part)).toEqual(['code:make.mjs']);
  });

  it('misses after explicit invalidation', async () => {
    await runToEnd('cached');
    expect((await h.pipelines.invalidateCache({ pipeline: 'cached', step: 'make' })).invalidated).toBeGreaterThan(0);
    const d = await runToEnd('cached');
    expect(step(d, 'make').cacheStatus).toBe('miss');
    expect(step(d, 'make').cacheReason).toContain('invalidated');
  });

  it('misses when the cached output was deleted from the artifact store', async () => {
    const warm = await runToEnd('cached');
    const source = step(warm, 'make').cachedFrom ?? step(warm, 'make').stepRunId;
    const producer = await h.pipelines.store.getStepRun(source);
    await h.artifacts.delete(producer!.outputs[0]!.artifactPath);
    const d = await runToEnd('cached');
    expect(step(d, 'make').cacheStatus).toBe('miss');
    expect(step(d, 'make').cacheReason).toContain('missing from the artifact store');
    expect(d.run.status).toBe('succeeded');
  });

  it('misses when the entry expired', async () => {
    await register('name: expiring\nsteps:\n  a: { run: node -e "", cache: { expire: 1ms } }\n');
    await runToEnd('expiring');
    await new Promise((r) => setTimeout(r, 5));
    const d = await runToEnd('expiring');
    expect(step(d, 'a').cacheReason).toContain('expired');
  });
});

describe('cancel and resume', () => {
  it('cancels a running run: the running step is stopped, the rest cancelled', async () => {
    await register(`name: cancel\nsteps:\n  long: { run: ${JSON.stringify('node -e "setTimeout(()=>{},60000)"')}, cache: false }\n  next: { run: node -e "", needs: [long] }\n`);
    const run = await h.pipelines.startRun({ pipeline: 'cancel' });
    for (let i = 0; i < 100; i++) {
      const d = await h.pipelines.getRun(run.runId);
      if (step(d, 'long').attempts > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await h.pipelines.cancelRun(run.runId);
    expect(cancelled.status).toBe('cancelled');
    const d = await h.pipelines.getRun(run.runId);
    expect(step(d, 'long').status).toBe('cancelled');
    expect(step(d, 'next').status).toBe('cancelled');
    const tracked = await h.tracking.getRunInfo(d.run.trackingRunId!);
    expect(tracked.status).toBe('KILLED');
  });

  it('resumes a failed run from the failed step, keeping what succeeded', async () => {
    const gate = `${h.dir}/resume-ok`;
    const first = JSON.stringify(`node -e "require('fs').appendFileSync('${h.dir}/first-count','x')"`);
    const second = JSON.stringify(`node -e "process.exit(require('fs').existsSync('${gate}')?0:1)"`);
    await register(`name: resume\nsteps:\n  first: { run: ${first}, cache: false }\n  second: { run: ${second}, needs: [first], cache: false }\n  third: { run: node -e "", needs: [second], cache: false }\n`);
    const failed = await runToEnd('resume');
    expect(failed.run.status).toBe('failed');
    expect(step(failed, 'third').status).toBe('skipped');
    fs.writeFileSync(gate, '');
    await h.pipelines.resumeRun(failed.run.runId);
    const d = await h.pipelines.waitForRun(failed.run.runId);
    expect(d.run.status).toBe('succeeded');
    expect(step(d, 'second')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(fs.readFileSync(`${h.dir}/first-count`, 'utf8')).toBe('x');
    const code = await h.pipelines.resumeRun(d.run.runId).then(() => 'none', (e: AscentError) => e.code);
    expect(code).toBe('INVALID_STATE');
  });

  it('a stopping server ends its runs as interrupted; another service resumes them from the store', async () => {
    const gate = `${h.dir}/interrupt-ok`;
    const wait = JSON.stringify(`node -e "const fs=require('fs');(function w(){if(fs.existsSync('${gate}'))return;setTimeout(w,50)})()"`);
    await register(`name: interrupted\nsteps:\n  first: { run: node -e "", cache: false }\n  slow: { run: ${wait}, needs: [first], cache: false }\n`);
    const first = new PipelineService({ store: new SqlPipelineStore(h.database), tracking: h.tracking, registry: h.registry, artifacts: h.artifacts, executor: new LocalExecutor({ artifacts: h.artifacts, workRoot: `${h.dir}/work-a` }) });
    const run = await first.startRun({ pipeline: 'interrupted' });
    for (let i = 0; i < 200; i++) {
      if ((await first.getRun(run.runId)).steps.find((s) => s.stepName === 'slow')!.attempts > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.close();
    const stopped = await h.pipelines.getRun(run.runId);
    expect(stopped.run).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
    expect(step(stopped, 'first').status).toBe('succeeded');
    fs.writeFileSync(gate, '');
    await h.pipelines.resumeRun(run.runId);
    const d = await h.pipelines.waitForRun(run.runId);
    expect(d.run.status).toBe('succeeded');
    expect(step(d, 'slow').attempts).toBe(2);
  });
});
