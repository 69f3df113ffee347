/**
 * bench/pipelines "with workers": the same trivial steps run by the embedded LocalExecutor and by
 * two real `ascent worker` processes through the PostgreSQL queue (QueueExecutor + pg-boss).
 * Measures dispatch-to-start per step (from the dispatch records), per-step wall time on a
 * sequential chain, and a 500-step fan-out. Writes its own section of bench/RESULTS.md.
 *
 *   npm run bench:pipelines:workers      (ASCENT_TEST_POSTGRES_URL to use a running server)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPipelineHarness, type PipelineHarness } from '../../src/pipelines/pipeline-harness.js';
import { StepDispatchStore } from '../../src/pipelines/queue/dispatch-store.js';
import { QueueExecutor } from '../../src/pipelines/queue/queue-executor.js';
import { openStepQueue } from '../../src/pipelines/queue/step-queue.js';
import { openSqlDatabase } from '../../src/storage/sql/sql-database.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { fmtMs } from '../support/report.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHAIN = Number(process.env.BENCH_CHAIN ?? 30);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 500);
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 4);

const chainYaml = (name: string) => `name: ${name}\nsteps:\n${Array.from({ length: CHAIN }, (_, i) => `  s${i}: { run: "true", cache: false${i > 0 ? `, needs: [s${i - 1}]` : ''} }`).join('\n')}\n`;
const fanYaml = (name: string) => `name: ${name}\nconcurrency: ${2 * WORKER_CONCURRENCY}\nparams:\n  items: { type: list, default: [${Array.from({ length: FANOUT }, (_, i) => i).join(', ')}] }\nsteps:\n  work: { run: "true", foreach: params.items, cache: false }\n`;

async function timeRun(h: PipelineHarness, name: string): Promise<{ ms: number; runId: string }> {
  const t0 = performance.now();
  const run = await h.pipelines.startRun({ pipeline: name });
  const d = await h.pipelines.waitForRun(run.runId, 30 * 60_000);
  if (d.run.status !== 'succeeded') throw new Error(`${name} ended ${d.run.status}: ${d.steps.find((s) => s.error)?.error ?? d.run.error}`);
  return { ms: performance.now() - t0, runId: run.runId };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

function startWorker(name: string, env: Record<string, string>): ChildProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'worker', '--worker-id', name, '--concurrency', String(WORKER_CONCURRENCY), '--log-level', 'warn'], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return proc;
}

async function main(): Promise<void> {
  const pg = await createTestDatabase();
  // The local executor runs on PostgreSQL too, so both columns pay the same bookkeeping per step
  // (tracking runs, cache keys, step records); the difference is the queue's own cost.
  const localPg = await createTestDatabase();
  const local = await openPipelineHarness({ databaseUrl: localPg.url });
  let queueDb: Awaited<ReturnType<typeof openSqlDatabase>> | undefined;
  let boss: Awaited<ReturnType<typeof openStepQueue>> | undefined;
  const workers: ChildProcess[] = [];
  let queued: PipelineHarness | undefined;
  try {
    queueDb = await openSqlDatabase({ url: pg.url });
    boss = await openStepQueue({ url: pg.url });
    const dispatches = new StepDispatchStore(queueDb);
    const b = boss;
    queued = await openPipelineHarness({ databaseUrl: pg.url, executor: () => new QueueExecutor({ store: dispatches, boss: b, listenUrl: pg.url, pollMs: 250 }) });
    // Workers on this machine share the harness's artifact folder, as remote ones share a bucket.
    for (const n of ['bench-w1', 'bench-w2']) workers.push(startWorker(n, { ASCENT_DATABASE_URL: pg.url, ASCENT_ARTIFACTS_URI: path.join(queued.dir, 'artifacts') }));
    for (const h of [local, queued]) {
      await h.pipelines.registerPipeline({ baseDir: h.dir, yaml: chainYaml('chain') });
      await h.pipelines.registerPipeline({ baseDir: h.dir, yaml: fanYaml('fan') });
    }
    await timeRun(queued, 'chain'); // warm-up: workers connected, queue and pools warm
    await timeRun(local, 'chain');

    const localChain = await timeRun(local, 'chain');
    const queueChain = await timeRun(queued, 'chain');
    const rows = await queueDb.db.selectFrom('pipeline_step_dispatches').select(['created_time', 'started_time', 'finished_time']).where('pipeline_run_id', '=', queueChain.runId).execute();
    const toStart = rows.map((r) => Number(r.started_time) - Number(r.created_time));
    const onWorker = rows.map((r) => Number(r.finished_time) - Number(r.started_time));
    const localFan = await timeRun(local, 'fan');
    const queueFan = await timeRun(queued, 'fan');
    const fanRows = await queueDb.db.selectFrom('pipeline_step_dispatches').select(['worker_id']).where('pipeline_run_id', '=', queueFan.runId).execute();
    const perWorker = new Map<string, number>();
    for (const r of fanRows) perWorker.set(r.worker_id ?? '?', (perWorker.get(r.worker_id ?? '?') ?? 0) + 1);

    const md = [
      '### Pipelines with workers (QueueExecutor on PostgreSQL, 2 `ascent worker` processes)',
      '',
      '| measure | local executor (in the server) | 2 workers via queue | note |',
      '|---|---:|---:|---|',
      `| dispatch → worker start, per step (median / p95) | — | ${fmtMs(pct(toStart, 50))} / ${fmtMs(pct(toStart, 95))} | from dispatch records of a ${CHAIN}-step chain |`,
      `| worker: claim → result recorded, per step (median) | — | ${fmtMs(pct(onWorker, 50))} | download inputs, spawn \`true\`, upload outputs, fenced result |`,
      `| per-step wall time, sequential ${CHAIN}-step chain (\`true\` steps) | ${fmtMs(localChain.ms / CHAIN)} | ${fmtMs(queueChain.ms / CHAIN)} | includes tracking child run, cache key, logs |`,
      `| ${FANOUT}-step fan-out, total | ${fmtMs(localFan.ms)} | ${fmtMs(queueFan.ms)} | run concurrency ${2 * WORKER_CONCURRENCY}; workers ${WORKER_CONCURRENCY} slots each |`,
      `| ${FANOUT}-step fan-out, per step | ${fmtMs(localFan.ms / FANOUT)} | ${fmtMs(queueFan.ms / FANOUT)} | steps per worker: ${[...perWorker.entries()].map(([w, n]) => `${w} ${n}`).join(', ')} |`,
      '',
      `- Measured ${new Date().toISOString().slice(0, 16)}Z on ${os.cpus().length} CPU cores shared with the PostgreSQL server, both workers and other work; both columns use PostgreSQL for metadata; artifacts on local disk shared by server and workers.`,
      '- No anchor row: the anchors\' distributed modes (Kubeflow on Kubernetes, Metaflow on AWS Batch/Kubernetes, ZenML remote orchestrators) need a cluster this machine does not have.',
      '- Reproduce: `npm run bench:pipelines:workers` (env BENCH_CHAIN, BENCH_FANOUT, BENCH_WORKER_CONCURRENCY).',
    ].join('\n');
    writeWorkersSection(path.join(REPO, 'bench', 'RESULTS.md'), md);
    process.stdout.write(`${md}\n`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await queued?.close();
    await local.close();
    await boss?.stop({ graceful: false, close: true, timeout: 5_000 });
    await queueDb?.close();
    await pg.drop();
    await localPg.drop();
  }
}

const START = '<!-- bench:pipelines-workers:start -->';
const END = '<!-- bench:pipelines-workers:end -->';

/** Replace this benchmark's section of RESULTS.md; other sections are left as they are. */
function writeWorkersSection(file: string, markdown: string): void {
  const block = `${START}\n${markdown.trim()}\n${END}\n`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else text = `${text.trimEnd()}\n\n${block}`;
  fs.writeFileSync(file, text);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
