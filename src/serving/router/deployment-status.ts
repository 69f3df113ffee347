import type { ModelExecution } from '../model-runtime.js';
import type { LiveDeployment } from './live-deployment.js';

/** What a replica is doing with one deployment: the revision it serves and the one it is moving to. */
export interface DeploymentStatus {
  name: string;
  state: 'ready' | 'loading' | 'failed' | 'absent';
  /** Revision answering requests on this replica (null before the first successful load). */
  servingRevision: number | null;
  /** Revision being loaded or that failed to load. */
  pendingRevision: number | null;
  error: string | null;
  variants: { name: string; role: string; weight: number; percent: number; model: string; version: string; ready: boolean; inFlight: number; queued: number; concurrency: number; maxBatch: number; execution: ModelExecution | null }[];
}

const RETRY_FAILED_MS = 30_000;

/** Load outcomes per deployment, so status and retries do not depend on the routing table alone. */
export class DeploymentStatusBook {
  private readonly entries = new Map<string, { state: 'loading' | 'ready' | 'failed'; revision: number; error: string | null; at: number }>();

  loading(name: string, revision: number): void {
    this.entries.set(name, { state: 'loading', revision, error: null, at: Date.now() });
  }
  ready(name: string, revision: number): void {
    this.entries.set(name, { state: 'ready', revision, error: null, at: Date.now() });
  }
  failed(name: string, revision: number, error: string): void {
    this.entries.set(name, { state: 'failed', revision, error, at: Date.now() });
  }
  forget(name: string): void {
    this.entries.delete(name);
  }
  isLoading(name: string): boolean {
    return this.entries.get(name)?.state === 'loading';
  }
  error(name: string): string | null {
    const e = this.entries.get(name);
    return e?.state === 'failed' ? e.error : null;
  }
  /** A failed revision is retried after a pause, not on every poll. */
  shouldRetry(name: string, revision: number): boolean {
    const e = this.entries.get(name);
    return !(e && e.state === 'failed' && e.revision === revision && Date.now() - e.at < RETRY_FAILED_MS);
  }

  status(name: string, live: LiveDeployment | undefined): DeploymentStatus {
    const e = this.entries.get(name);
    const pending = e && e.state !== 'ready' && e.revision !== live?.revision ? e.revision : null;
    return {
      name,
      state: e?.state === 'failed' ? 'failed' : pending !== null ? 'loading' : live ? 'ready' : 'absent',
      servingRevision: live?.revision ?? null,
      pendingRevision: pending,
      error: e?.error ?? null,
      variants: live ? [...live.variants.values()].map((v) => ({
        name: v.spec.name, role: v.spec.role, weight: v.spec.weight, percent: v.spec.percent, model: v.target.name, version: v.target.version,
        ready: v.served.model.ready(), inFlight: v.queue.inFlight, queued: v.queue.queued, concurrency: v.spec.concurrency, maxBatch: v.queue.maxBatch,
        execution: v.served.model.execution?.() ?? null,
      })) : [],
    };
  }
}
