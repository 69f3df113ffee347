import { parentPort } from 'node:worker_threads';
import { type ReferenceJob, referenceTransferables, runReferenceJob, runSortJob, type SortJob } from './parallel-reference.js';
import { type RangeJob, runRangeJob, runSecondJob, type SecondJob, transferables } from './range-fold.js';

// A worker of a parallel comparison (see parallel-reference.ts and parallel-fold.ts): a reference
// range, a sort of reference columns, a range job (first pass), then a second-pass job, one per
// message, each answered with its result or the error's message.
parentPort?.on('message', (job: RangeJob | SecondJob | ReferenceJob | SortJob) => {
  try {
    if ('reference' in job) {
      const result = runReferenceJob(job);
      parentPort!.postMessage({ result }, referenceTransferables(result));
    } else if ('sort' in job) parentPort!.postMessage({ result: runSortJob(job) });
    else if ('range' in job) {
      const result = runRangeJob(job);
      parentPort!.postMessage({ result }, transferables(result));
    } else parentPort!.postMessage({ result: runSecondJob(job) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
