import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { AliasChips } from '../components/AliasChips';
import { ErrorBox } from '../components/ErrorBox';
import { FilterInput } from '../components/FilterInput';
import { LatestVersionCell } from '../components/LatestVersionCell';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { SortHeader } from '../components/SortHeader';
import { TagChips } from '../components/TagChips';
import { formatRelative, formatTime } from '../lib/format';
import { useProject } from '../lib/ProjectContext';
import { parseOrderBy, toOrderBy, type SortState } from '../lib/search-grammar';
import { registryApi, type RegisteredModel } from '../registry-api';

const PAGE_SIZE = 50;

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

/**
 * A plain word searches model names; anything that looks like the search grammar is sent as
 * written. The selected project narrows the search on the server (`project_id` is a model attribute).
 */
function modelFilter(text: string, projectId: string): string | undefined {
  const t = text.trim();
  const clauses = [];
  if (t) clauses.push(/(=|<|>|\bLIKE\b|\bILIKE\b|\bIN\b)/i.test(t) ? t : `name ILIKE ${quote(`%${t}%`)}`);
  if (projectId) clauses.push(`project_id = ${quote(projectId)}`);
  return clauses.length ? clauses.join(' AND ') : undefined;
}

/** `/models`: the registered models of the selected project, filterable by name or tags and sortable on the server. */
export function ModelsPage() {
  const [params, setParams] = useSearchParams();
  const filterText = params.get('filter') ?? '';
  const orderByParam = params.get('orderBy');
  const sort = parseOrderBy(orderByParam);
  const { projectId } = useProject();
  const [items, setItems] = useState<RegisteredModel[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [nonce, setNonce] = useState(0);

  const load = (pageToken: string | undefined, signal?: AbortSignal) =>
    registryApi.searchModels({ filter: modelFilter(filterText, projectId), orderBy: orderByParam ? [orderByParam] : undefined, maxResults: PAGE_SIZE, pageToken }, signal);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    load(undefined, controller.signal).then(
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
    // `load` reads exactly these inputs.
  }, [filterText, orderByParam, projectId, nonce]);

  const loadMore = () => {
    if (!nextToken) return;
    setLoading(true);
    load(nextToken).then(
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

  return (
    <>
      <PageHeader title="Models" subtitle={loading && items.length === 0 ? null : `${items.length}${nextToken ? '+' : ''} registered model${items.length === 1 ? '' : 's'}`} />
      <div className="toolbar">
        <FilterInput value={filterText} onApply={(text) => update({ filter: text || null })} placeholder="Filter by name, or tags.team = 'fraud'" ariaLabel="Filter models" width={420} />
        {loading ? <Loading /> : null}
      </div>
      <ErrorBox error={error} onRetry={() => setNonce((n) => n + 1)} />
      <div className="table-wrap">
        <table className="data-table" data-testid="models-table">
          <thead>
            <tr>
              <SortHeader column="name" sort={sort} onSort={onSort}>
                Name
              </SortHeader>
              <th>Latest version</th>
              <th>Aliases</th>
              <th>Owner</th>
              <SortHeader column="last_updated_time" sort={sort} onSort={onSort} descendingFirst>
                Last updated
              </SortHeader>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.modelId} data-model-name={m.name}>
                <td className="cell-name">
                  <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                  {m.description ? (
                    <div className="cell-sub muted ellipsis" title={m.description}>
                      {m.description}
                    </div>
                  ) : null}
                </td>
                <td>
                  <LatestVersionCell modelName={m.name} />
                </td>
                <td>
                  <AliasChips modelName={m.name} aliases={m.aliases} />
                </td>
                <td>{m.owner || <span className="muted">—</span>}</td>
                <td title={formatTime(m.lastUpdatedTime)}>{formatRelative(m.lastUpdatedTime)}</td>
                <td>
                  <TagChips tags={m.tags} />
                </td>
              </tr>
            ))}
            {!loading && !error && items.length === 0 ? (
              <tr>
                <td colSpan={6} className="empty">
                  {filterText ? 'No model matches this filter.' : 'No registered models yet. Register one with mlflow.register_model(), the SDK, or POST /api/v1/models.'}
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
