import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, type Run } from '../api';
import { ColumnPicker, type ColumnChoice } from '../components/ColumnPicker';
import { ErrorBox } from '../components/ErrorBox';
import { FilterInput } from '../components/FilterInput';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { RunsTable } from '../components/RunsTable';
import { TagChips } from '../components/TagChips';
import { formatTime } from '../lib/format';
import { keysSeen } from '../lib/run-tree';
import { parseOrderBy, toOrderBy, type SortState } from '../lib/search-grammar';
import { useAsync } from '../lib/use-async';

const PAGE_SIZE = 100;
const DEFAULT_COLUMNS_EACH = 4;

function storedColumns(experimentId: string): ColumnChoice | null {
  try {
    const raw = localStorage.getItem(`ascent.columns.${experimentId}`);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<ColumnChoice>;
    return { metrics: Array.isArray(parsed.metrics) ? parsed.metrics : [], params: Array.isArray(parsed.params) ? parsed.params : [] };
  } catch {
    return null;
  }
}

function storeColumns(experimentId: string, columns: ColumnChoice): void {
  try {
    localStorage.setItem(`ascent.columns.${experimentId}`, JSON.stringify(columns));
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** `/experiments/:id`: the experiment's runs, searched, sorted and paged on the server. */
export function RunsPage() {
  const { experimentId = '' } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') ?? '';
  const orderByParam = params.get('orderBy');
  const sort = parseOrderBy(orderByParam);

  const experiment = useAsync((signal) => api.getExperiment(experimentId, signal), [experimentId]);
  const [runs, setRuns] = useState<Run[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [nonce, setNonce] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [columns, setColumns] = useState<ColumnChoice | null>(() => storedColumns(experimentId));

  useEffect(() => {
    setColumns(storedColumns(experimentId));
    setSelected(new Set());
  }, [experimentId]);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    const orderBy = orderByParam ? [orderByParam] : undefined;
    api.searchRuns({ experimentIds: [experimentId], filter: filter || undefined, orderBy, maxResults: PAGE_SIZE }, controller.signal).then(
      (page) => {
        setRuns(page.items);
        setNextToken(page.nextPageToken);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setRuns([]);
        setNextToken(undefined);
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [experimentId, filter, orderByParam, nonce]);

  const loadMore = () => {
    if (!nextToken) return;
    setLoading(true);
    const orderBy = orderByParam ? [orderByParam] : undefined;
    api.searchRuns({ experimentIds: [experimentId], filter: filter || undefined, orderBy, maxResults: PAGE_SIZE, pageToken: nextToken }).then(
      (page) => {
        setRuns((prev) => {
          const seen = new Set(prev.map((r) => r.info.runId));
          return [...prev, ...page.items.filter((r) => !seen.has(r.info.runId))];
        });
        setNextToken(page.nextPageToken);
        setLoading(false);
      },
      (err: unknown) => {
        setError(err);
        setLoading(false);
      },
    );
  };

  const available = useMemo(() => keysSeen(runs), [runs]);
  // Until the user picks, show the first few keys seen, so a fresh experiment is not an empty grid.
  const shownColumns: ColumnChoice = columns ?? { metrics: available.metrics.slice(0, DEFAULT_COLUMNS_EACH), params: available.params.slice(0, DEFAULT_COLUMNS_EACH) };

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  const onSort = (s: SortState | null) => update({ orderBy: toOrderBy(s)?.[0] ?? null });
  const onSelect = (ids: string[], checked: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (checked) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  const onColumns = (next: ColumnChoice) => {
    setColumns(next);
    storeColumns(experimentId, next);
  };

  const exp = experiment.data;
  const filterError = error && filter ? error : undefined;
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Experiments', to: '/' }]}
        title={exp ? exp.name : experiment.error ? `Experiment ${experimentId}` : '…'}
        subtitle={
          exp ? (
            <span className="meta-line">
              <span>
                ID <span className="mono">{exp.experimentId}</span>
              </span>
              <span>created {formatTime(exp.creationTime)}</span>
              <span className="mono ellipsis" title={exp.artifactLocation}>
                {exp.artifactLocation}
              </span>
              <TagChips tags={exp.tags} />
            </span>
          ) : null
        }
        actions={
          <button
            type="button"
            className="btn btn-primary"
            disabled={selected.size < 2}
            title={selected.size < 2 ? 'Select two or more runs to compare' : undefined}
            onClick={() => navigate(`/compare?runs=${[...selected].join(',')}`)}
          >
            Compare{selected.size > 0 ? ` (${selected.size})` : ''}
          </button>
        }
      />
      <ErrorBox error={experiment.error} />
      <div className="toolbar">
        <FilterInput
          value={filter}
          onApply={(text) => update({ filter: text || null })}
          placeholder="metrics.rmse < 0.5 AND params.model = 'tree'"
          ariaLabel="Filter runs"
          invalid={Boolean(filterError)}
        />
        <ColumnPicker available={available} chosen={shownColumns} onChange={onColumns} />
        <span className="spacer" />
        {loading ? <Loading /> : <span className="muted">{`${runs.length}${nextToken ? '+' : ''} run${runs.length === 1 ? '' : 's'}`}</span>}
      </div>
      {error ? (
        <div className="filter-error">
          <ErrorBox error={error} compact={Boolean(filterError)} onRetry={filterError ? undefined : () => setNonce((n) => n + 1)} />
        </div>
      ) : null}
      <RunsTable runs={runs} columns={shownColumns} sort={sort} onSort={onSort} selected={selected} onSelect={onSelect} />
      {!loading && !error && runs.length === 0 ? <div className="empty-state">{filter ? 'No run matches this filter.' : 'No runs in this experiment yet.'}</div> : null}
      {nextToken ? (
        <div className="load-more">
          <button type="button" className="btn" onClick={loadMore} disabled={loading}>
            Load more
          </button>
        </div>
      ) : null}
    </>
  );
}
