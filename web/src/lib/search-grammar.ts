/** Helpers that write MLflow search-grammar identifiers and order-by clauses. */

export type ColumnKind = 'metrics' | 'params' | 'tags' | 'attributes';

/** `metrics.rmse`, or ``metrics.`val loss` `` when the key holds characters the grammar does not allow bare. */
export function identifier(kind: ColumnKind, key: string): string {
  return /^[\w.\-/:]+$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key.replace(/`/g, '\\`')}\``;
}

export interface SortState {
  /** The identifier, e.g. `metrics.rmse` or `attributes.start_time`. */
  column: string;
  descending: boolean;
}

export function toOrderBy(sort: SortState | null): string[] | undefined {
  return sort ? [`${sort.column} ${sort.descending ? 'DESC' : 'ASC'}`] : undefined;
}

/** Parse `metrics.rmse DESC` back into a SortState (as kept in the URL). */
export function parseOrderBy(text: string | null): SortState | null {
  if (!text) return null;
  const m = /^(.*\S)\s+(ASC|DESC)$/i.exec(text.trim());
  if (!m) return { column: text.trim(), descending: false };
  return { column: m[1]!, descending: m[2]!.toUpperCase() === 'DESC' };
}

/**
 * Next state when a header is clicked: first click sorts in the column's natural direction,
 * the second reverses it, the third returns to the server's default order.
 */
export function nextSort(current: SortState | null, column: string, descendingFirst: boolean): SortState | null {
  if (!current || current.column !== column) return { column, descending: descendingFirst };
  if (current.descending === descendingFirst) return { column, descending: !descendingFirst };
  return null;
}
