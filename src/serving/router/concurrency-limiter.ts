import { AscentError } from '../../core/errors.js';

/**
 * Admits at most `concurrency` tasks at once and lets at most `maxQueue` wait; anything beyond is
 * refused at once with RATE_LIMITED (429), so a slow variant can never grow an unbounded backlog.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly concurrency: number, readonly maxQueue: number, private readonly describe: string) {}

  get inFlight(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        throw new AscentError('RATE_LIMITED', `${this.describe} is at capacity (${this.concurrency} running, ${this.maxQueue} queued); retry later`);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips and admits a newcomer first.
      if (next) next();
      else {
        this.active--;
        if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  /** Resolves once nothing runs or waits (used to drain an old revision before closing it). */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
