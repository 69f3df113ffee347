import type { ReactNode } from 'react';
import { nextSort, type SortState } from '../lib/search-grammar';

/** A table header cell that sorts by a search-grammar column when clicked. */
export function SortHeader({
  column,
  sort,
  onSort,
  descendingFirst = false,
  children,
  className,
  title,
}: {
  column: string;
  sort: SortState | null;
  onSort: (sort: SortState | null) => void;
  descendingFirst?: boolean;
  children: ReactNode;
  className?: string;
  title?: string;
}) {
  const active = sort?.column === column;
  const arrow = active ? (sort.descending ? '▼' : '▲') : '';
  return (
    <th
      className={`sortable${active ? ' sorted' : ''}${className ? ` ${className}` : ''}`}
      aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
      data-column={column}
      title={title ?? `Sort by ${column}`}
    >
      <button type="button" className="th-button" onClick={() => onSort(nextSort(sort, column, descendingFirst))}>
        <span className="th-label">{children}</span>
        <span className="sort-arrow">{arrow}</span>
      </button>
    </th>
  );
}
