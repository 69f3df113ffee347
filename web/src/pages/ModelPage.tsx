import { useCallback, useEffect, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { AliasPanel } from '../components/AliasPanel';
import { ApprovalsPanel } from '../components/ApprovalsPanel';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { ModelHistory } from '../components/ModelHistory';
import { PageHeader } from '../components/PageHeader';
import { TagChips } from '../components/TagChips';
import { VersionsTable } from '../components/VersionsTable';
import { formatRelative, formatTime } from '../lib/format';
import { isEventGroup, type EventGroup } from '../lib/registry-format';
import { useAsync } from '../lib/use-async';
import { registryApi, type ModelVersion } from '../registry-api';

const VERSIONS_PAGE = 100;

/** The versions of a model, newest first, a page at a time. */
function useVersions(name: string, reloadKey: number) {
  const [items, setItems] = useState<ModelVersion[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const fetchPage = useCallback(
    (pageToken: string | undefined, signal?: AbortSignal) => {
      setLoading(true);
      return registryApi.searchVersions(name, { maxResults: VERSIONS_PAGE, pageToken }, signal).then(
        (page) => {
          if (signal?.aborted) return;
          setItems((prev) => (pageToken ? [...prev, ...page.items] : page.items));
          setNextToken(page.nextPageToken);
          setError(undefined);
          setLoading(false);
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          setError(err);
          setLoading(false);
        },
      );
    },
    [name],
  );
  useEffect(() => {
    const controller = new AbortController();
    void fetchPage(undefined, controller.signal);
    return () => controller.abort();
  }, [fetchPage, reloadKey]);
  return { items, error, loading, more: nextToken ? () => void fetchPage(nextToken) : undefined };
}

/** `/models/:name`: aliases, versions and approvals of a registered model; its audit history on a tab. */
export function ModelPage() {
  const { name = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'history' ? 'history' : 'overview';
  const historyAlias = params.get('alias') ?? '';
  const groupParam = params.get('types');
  const historyGroup: EventGroup | '' = isEventGroup(groupParam) ? groupParam : '';
  // Any change (alias moved, approval decided) reloads every panel: they all show the same state.
  const [reloadKey, setReloadKey] = useState(0);
  const changed = useCallback(() => setReloadKey((n) => n + 1), []);

  const model = useAsync((signal) => registryApi.getModel(name, signal), [name, reloadKey]);
  const versions = useVersions(name, reloadKey);
  const rules = useAsync((signal) => registryApi.approvalRules(name, signal), [name, reloadKey]);
  const requests = useAsync((signal) => registryApi.approvals({ model: name }, signal), [name, reloadKey]);

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const crumbs = [{ label: 'Models', to: '/models' }];
  if (model.error && !model.data) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={name} />
        <ErrorBox error={model.error} onRetry={model.reload} />
      </>
    );
  }
  if (!model.data) return <Loading />;
  const m = model.data;
  const aliasNames = m.aliases.map((a) => a.alias);
  const pending = (requests.data ?? []).filter((r) => r.status === 'pending').length;

  return (
    <>
      <PageHeader
        crumbs={crumbs}
        title={m.name}
        subtitle={
          <div className="model-meta">
            {m.description ? <p className="model-description">{m.description}</p> : null}
            <div className="meta-line">
              <span>
                owner <strong>{m.owner || '—'}</strong>
              </span>
              <span>project {m.projectId}</span>
              <span title={formatTime(m.creationTime)}>created {formatRelative(m.creationTime)}</span>
              <span title={formatTime(m.lastUpdatedTime)}>updated {formatRelative(m.lastUpdatedTime)}</span>
              <TagChips tags={m.tags} max={10} />
            </div>
          </div>
        }
        actions={
          <button type="button" className="btn" onClick={changed}>
            Refresh
          </button>
        }
      />
      <nav className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'overview'} className={tab === 'overview' ? 'tab active' : 'tab'} onClick={() => update({ tab: null, alias: null, types: null })}>
          Overview
        </button>
        <button type="button" role="tab" aria-selected={tab === 'history'} className={tab === 'history' ? 'tab active' : 'tab'} onClick={() => update({ tab: 'history' })}>
          History
        </button>
      </nav>

      {tab === 'history' ? (
        <ModelHistory
          modelName={m.name}
          aliases={aliasNames}
          alias={historyAlias}
          group={historyGroup}
          onFilter={(f) => update({ alias: f.alias || null, types: f.group || null })}
          reloadKey={reloadKey}
        />
      ) : (
        <>
          <div className="grid-2">
            <section className="card">
              <h2 className="card-title">
                Aliases <span className="count">{m.aliases.length}</span>
              </h2>
              <AliasPanel model={m} versions={versions.items.map((v) => v.version)} rules={rules.data ?? []} onChanged={changed} />
            </section>
            <section className="card">
              <h2 className="card-title">
                Approvals {pending ? <span className="count">{pending} pending</span> : null}
              </h2>
              <ErrorBox error={rules.error ?? requests.error} compact />
              <ApprovalsPanel modelName={m.name} rules={rules.data ?? []} requests={requests.data ?? []} aliases={aliasNames} onChanged={changed} />
            </section>
          </div>
          <section className="card">
            <div className="card-title-row">
              <h2 className="card-title">
                Versions <span className="count">{versions.items.length}{versions.more ? '+' : ''}</span>
              </h2>
              {versions.loading ? <Loading /> : null}
              <button type="button" className="link-button" onClick={() => update({ tab: 'history' })}>
                audit history →
              </button>
            </div>
            <ErrorBox error={versions.error} compact />
            <VersionsTable modelName={m.name} versions={versions.items} />
            {versions.more ? (
              <div className="load-more">
                <button type="button" className="btn" onClick={versions.more} disabled={versions.loading}>
                  Load more
                </button>
              </div>
            ) : null}
          </section>
        </>
      )}
    </>
  );
}
