import { randomBytes, randomUUID } from 'node:crypto';

/** 32 lowercase hex characters, the shape MLflow uses for run ids. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** MLflow 3 logged model ids look like `m-<32 hex>`. */
export function newLoggedModelId(): string {
  return `m-${randomUUID().replaceAll('-', '')}`;
}

/** A short random id with a readable prefix, for native entities (`prj_…`, `ds_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
