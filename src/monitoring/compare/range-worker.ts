import { parentPort } from 'node:worker_threads';
import { type RangeJob, runRangeJob, runSecondJob, type SecondJob, transferables } from './range-fold.js';

// A worker of a parallel comparison (see parallel-fold.ts): a range job (first pass), then a
// second-pass job, one per message, each answered with its result or the error's message.
parentPort?.on('message', (job: RangeJob | SecondJob) => {
  try {
    if ('range' in job) {
      const result = runRangeJob(job);
      parentPort!.postMessage({ result }, transferables(result));
    } else parentPort!.postMessage({ result: runSecondJob(job) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
