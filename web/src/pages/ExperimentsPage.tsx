import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, type Experiment } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { FilterInput } from '../components/FilterInput';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { SortHeader } from '../components/SortHeader';
import { TagChips } from '../components/TagChips';
import { formatRelative, formatTime } from '../lib/format';
import { useProject } from '../lib/ProjectContext';
import { parseOrderBy, toOrderBy, type SortState } from '../lib/search-grammar';

const PAGE_SIZE = 200;

/**
 * A plain word searches experiment names; anything that looks like the search grammar
 * (`tags.team = 'nlp'`, `name LIKE 'a%'`) is sent as written.
 */
function experimentFilter(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/(=|<|>|\bLIKE\b|\bILIKE\b|\bIN\b)/i.test(t)) return t;
  return `name ILIKE '%${t.replace(/'/g, "\\'")}%'`;
}

/** `/`: every experiment of the selected project, filterable and sortable. */
export function ExperimentsPage() {
  const [params, setParams] = useSearchParams();
  const filterText = params.get('filter') ?? '';
  const orderByParam = params.get('orderBy');
  const sort = parseOrderBy(orderByParam);
  const { projectId } = useProject();
  const [items, setItems] = useState<Experiment[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    const orderBy = orderByParam ? [orderByParam] : undefined;
    api.searchExperiments({ filter: experimentFilter(filterText), orderBy, maxResults: PAGE_SIZE }, controller.signal).then(
      (page) => {
        setItems(page.items);
        setNextToken(page.nextPageToken);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setItems([]);
        setNextToken(undefined);
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [filterText, orderByParam, nonce]);

  const loadMore = () => {
    if (!nextToken) return;
    setLoading(true);
    api.searchExperiments({ filter: experimentFilter(filterText), orderBy: toOrderBy(sort), maxResults: PAGE_SIZE, pageToken: nextToken }).then(
      (page) => {
        setItems((prev) => [...prev, ...page.items]);
        setNextToken(page.nextPageToken);
        setLoading(false);
      },
      (err: unknown) => {
        setError(err);
        setLoading(false);
      },
    );
  };

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  const onSort = (s: SortState | null) => update({ orderBy: toOrderBy(s)?.[0] ?? null });

  // The API has no project parameter yet, so the selected project filters the loaded page.
  const shown = projectId ? items.filter((e) => e.projectId === projectId) : items;

  return (
    <>
      <PageHeader title="Experiments" subtitle={loading && items.length === 0 ? null : `${shown.length}${nextToken ? '+' : ''} experiment${shown.length === 1 ? '' : 's'}`} />
      <div className="toolbar">
        <FilterInput
          value={filterText}
          onApply={(text) => update({ filter: text || null })}
          placeholder="Filter by name, or tags.team = 'vision'"
          ariaLabel="Filter experiments"
          width={420}
        />
        {loading ? <Loading /> : null}
      </div>
      <ErrorBox error={error} onRetry={() => setNonce((n) => n + 1)} />
      <div className="table-wrap">
        <table className="data-table" data-testid="experiments-table">
          <thead>
            <tr>
              <SortHeader column="name" sort={sort} onSort={onSort}>
                Name
              </SortHeader>
              <SortHeader column="experiment_id" sort={sort} onSort={onSort} className="col-narrow">
                ID
              </SortHeader>
              <th className="col-narrow">Runs</th>
              <SortHeader column="creation_time" sort={sort} onSort={onSort} descendingFirst>
                Created
              </SortHeader>
              <SortHeader column="last_update_time" sort={sort} onSort={onSort} descendingFirst>
                Last update
              </SortHeader>
              {projectId ? null : <th>Project</th>}
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.experimentId} data-experiment-id={e.experimentId}>
                <td className="cell-name">
                  <Link to={`/experiments/${e.experimentId}`}>{e.name}</Link>
                </td>
                <td className="mono muted">{e.experimentId}</td>
                <td>
                  <Link to={`/experiments/${e.experimentId}`} className="subtle-link">
                    runs →
                  </Link>
                </td>
                <td title={formatTime(e.creationTime)}>{formatTime(e.creationTime)}</td>
                <td title={formatTime(e.lastUpdateTime)}>{formatRelative(e.lastUpdateTime)}</td>
                {projectId ? null : <td className="muted">{e.projectId}</td>}
                <td>
                  <TagChips tags={e.tags} />
                </td>
              </tr>
            ))}
            {!loading && !error && shown.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty">
                  {filterText ? 'No experiment matches this filter.' : 'No experiments yet. Log a run with the SDK or the mlflow client to create one.'}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
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
