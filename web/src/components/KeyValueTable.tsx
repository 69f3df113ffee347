import { useState } from 'react';
import type { KeyValue } from '../api';

/** A two-column key/value table (params, tags) with a quick filter once the list gets long. */
export function KeyValueTable({ items, emptyText, testId, dimKeys }: { items: readonly KeyValue[]; emptyText: string; testId?: string; dimKeys?: RegExp }) {
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const sorted = [...items].sort((a, b) => a.key.localeCompare(b.key));
  const shown = q ? sorted.filter((i) => i.key.toLowerCase().includes(q) || i.value.toLowerCase().includes(q)) : sorted;
  if (items.length === 0) return <div className="empty-inline muted">{emptyText}</div>;
  return (
    <div className="kv" data-testid={testId}>
      {items.length > 12 ? <input className="kv-filter" placeholder={`Filter ${items.length}…`} value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Filter" /> : null}
      <table className="data-table kv-table">
        <tbody>
          {shown.map((i) => (
            <tr key={i.key} className={dimKeys?.test(i.key) ? 'dim' : undefined}>
              <th scope="row" className="mono kv-key" title={i.key}>
                {i.key}
              </th>
              <td className="mono kv-value">{i.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
