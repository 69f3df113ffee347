import type { RegistryStore, RegistryTx } from '../store.js';

/**
 * Wrap a RegistryStore so `afterCommit` runs once each write transaction has committed: the local
 * webhook dispatcher then sends new events at once instead of at its next poll. Other servers'
 * dispatchers find them at their next poll; correctness never depends on the call.
 *
 * A Proxy rather than a delegating class, so methods added to the RegistryStore port later pass
 * through without this file changing.
 */
export function notifyAfterCommit(store: RegistryStore, afterCommit: () => void): RegistryStore {
  const transaction = async <T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> => {
    const result = await store.transaction(fn);
    afterCommit();
    return result;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') return transaction;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
