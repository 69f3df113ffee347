import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { valueOf, type Run } from '../api';
import { formatDuration, formatExact, formatNumber, formatRelative, formatTime } from '../lib/format';
import { buildRunRows } from '../lib/run-tree';
import { identifier, type SortState } from '../lib/search-grammar';
import type { ColumnChoice } from './ColumnPicker';
import { SortHeader } from './SortHeader';
import { StatusBadge } from './StatusBadge';

export interface RunsTableProps {
  runs: readonly Run[];
  columns: ColumnChoice;
  sort: SortState | null;
  onSort: (sort: SortState | null) => void;
  selected: ReadonlySet<string>;
  onSelect: (runIds: string[], checked: boolean) => void;
}

function metricValue(run: Run, key: string): number | undefined {
  return run.data.metrics.find((m) => m.key === key)?.value;
}

function sourceLabel(run: Run): string {
  const name = valueOf(run.data.tags, 'mlflow.source.name');
  if (!name) return '';
  const base = name.split(/[\\/]/).pop() ?? name;
  const commit = valueOf(run.data.tags, 'mlflow.source.git.commit');
  return commit ? `${base} @ ${commit.slice(0, 7)}` : base;
}

/**
 * The runs of an experiment, one row each, children indented under their parent; headers sort
 * on the server through the search grammar's order-by.
 */
export function RunsTable({ runs, columns, sort, onSort, selected, onSelect }: RunsTableProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => buildRunRows(runs, collapsed), [runs, collapsed]);
  const allIds = runs.map((r) => r.info.runId);
  const allSelected = allIds.length > 0 && allIds.every((id) => selected.has(id));
  const someSelected = allIds.some((id) => selected.has(id));

  const toggleCollapsed = (runId: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });

  const fixedColumns = 7;
  return (
    <div className="table-wrap">
      <table className="data-table runs-table" data-testid="runs-table">
        <thead>
          <tr className="group-row">
            <th colSpan={fixedColumns} />
            {columns.metrics.length > 0 ? (
              <th colSpan={columns.metrics.length} className="group metrics-group">
                Metrics
              </th>
            ) : null}
            {columns.params.length > 0 ? (
              <th colSpan={columns.params.length} className="group params-group">
                Params
              </th>
            ) : null}
          </tr>
          <tr>
            <th className="col-check">
              <input
                type="checkbox"
                aria-label="Select all runs"
                checked={allSelected}
                ref={(el) => {
                  if (el) el.indeterminate = someSelected && !allSelected;
                }}
                onChange={(e) => onSelect(allIds, e.target.checked)}
              />
            </th>
            <SortHeader column="attributes.run_name" sort={sort} onSort={onSort} className="col-run">
              Run
            </SortHeader>
            <SortHeader column="attributes.status" sort={sort} onSort={onSort}>
              Status
            </SortHeader>
            <SortHeader column="attributes.start_time" sort={sort} onSort={onSort} descendingFirst>
              Created
            </SortHeader>
            <th>Duration</th>
            <SortHeader column="attributes.user_id" sort={sort} onSort={onSort}>
              User
            </SortHeader>
            <th>Source</th>
            {columns.metrics.map((key) => (
              <SortHeader key={`m:${key}`} column={identifier('metrics', key)} sort={sort} onSort={onSort} descendingFirst className="num metric-col" title={`metrics.${key}`}>
                {key}
              </SortHeader>
            ))}
            {columns.params.map((key) => (
              <SortHeader key={`p:${key}`} column={identifier('params', key)} sort={sort} onSort={onSort} className="param-col" title={`params.${key}`}>
                {key}
              </SortHeader>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(({ run, depth, childCount, orphanOf }) => {
            const info = run.info;
            const isSelected = selected.has(info.runId);
            const end = info.endTime ?? (info.status === 'RUNNING' ? Date.now() : null);
            return (
              <tr key={info.runId} className={`${isSelected ? 'selected' : ''}${depth > 0 ? ' run-child' : ''}`} data-run-id={info.runId} data-depth={depth}>
                <td className="col-check">
                  <input type="checkbox" aria-label={`Select run ${info.runName}`} checked={isSelected} onChange={(e) => onSelect([info.runId], e.target.checked)} />
                </td>
                <td className="cell-name col-run">
                  <span className="run-name" style={{ paddingLeft: depth * 18 }}>
                    {childCount > 0 ? (
                      <button
                        type="button"
                        className="expander"
                        aria-label={collapsed.has(info.runId) ? 'Expand child runs' : 'Collapse child runs'}
                        onClick={() => toggleCollapsed(info.runId)}
                      >
                        {collapsed.has(info.runId) ? '▸' : '▾'}
                      </button>
                    ) : depth > 0 ? (
                      <span className="tree-elbow" aria-hidden="true">
                        └
                      </span>
                    ) : null}
                    <Link to={`/runs/${info.runId}`} title={info.runId}>
                      {info.runName || info.runId}
                    </Link>
                    {childCount > 0 ? <span className="muted child-count">{childCount}</span> : null}
                    {orphanOf ? (
                      <Link to={`/runs/${orphanOf}`} className="muted parent-hint" title={`child of ${orphanOf}`}>
                        ↖ parent
                      </Link>
                    ) : null}
                  </span>
                </td>
                <td>
                  <StatusBadge status={info.status} />
                </td>
                <td title={formatTime(info.startTime)}>{formatRelative(info.startTime)}</td>
                <td className="num">{end ? formatDuration(end - info.startTime) : '—'}</td>
                <td className="muted">{info.userId || '—'}</td>
                <td className="muted ellipsis" title={valueOf(run.data.tags, 'mlflow.source.name') ?? ''}>
                  {sourceLabel(run)}
                </td>
                {columns.metrics.map((key) => {
                  const v = metricValue(run, key);
                  return (
                    <td key={`m:${key}`} className="num mono" title={v === undefined ? '' : formatExact(v)}>
                      {v === undefined ? <span className="muted">—</span> : formatNumber(v)}
                    </td>
                  );
                })}
                {columns.params.map((key) => {
                  const v = valueOf(run.data.params, key);
                  return (
                    <td key={`p:${key}`} className="mono ellipsis" title={v ?? ''}>
                      {v === undefined ? <span className="muted">—</span> : v}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
