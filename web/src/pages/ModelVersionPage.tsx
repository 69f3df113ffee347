import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { AliasChips } from '../components/AliasChips';
import { ErrorBox } from '../components/ErrorBox';
import { KeyValueTable } from '../components/KeyValueTable';
import { LineageGraph } from '../components/LineageGraph';
import { Loading } from '../components/Loading';
import { PackagePanel } from '../components/PackagePanel';
import { PageHeader } from '../components/PageHeader';
import { ProfileStatusNote } from '../components/ProfileStatusNote';
import { SignatureTable } from '../components/SignatureTable';
import { formatExact, formatNumber, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { parseSignature, registryApi, type ModelVersion } from '../registry-api';

function Details({ v }: { v: ModelVersion }) {
  const rows: [string, ReactNode][] = [
    ['Version', <span className="mono">{v.version}</span>],
    ['Status', <span className={v.status === 'READY' ? 'badge status-finished' : 'badge status-failed'}>{v.status.toLowerCase()}</span>],
    ['Stage', v.currentStage === 'None' ? <span className="muted">—</span> : <span className={`badge stage-${v.currentStage.toLowerCase()}`}>{v.currentStage}</span>],
    ['Aliases', <AliasChips modelName={v.name} aliases={v.aliases.map((alias) => ({ alias, version: v.version }))} showVersion={false} />],
    ['Source', <span className="mono ellipsis" title={v.source}>{v.source}</span>],
    ['Source run', v.runId ? <Link to={`/runs/${encodeURIComponent(v.runId)}`} className="mono">{v.runId}</Link> : <span className="muted">—</span>],
  ];
  if (v.loggedModelId) rows.push(['Logged model', <span className="mono">{v.loggedModelId}</span>]);
  rows.push(['Registered', formatTime(v.creationTime)], ['Registered by', v.userId || '—'], ['Last updated', formatTime(v.lastUpdatedTime)]);
  if (v.runLink) rows.push(['Run link', <a href={v.runLink} target="_blank" rel="noreferrer" className="ellipsis">{v.runLink}</a>]);
  if (v.statusMessage) rows.push(['Status message', v.statusMessage]);
  return (
    <div className="overview" data-testid="version-details">
      <dl className="overview-grid">
        {rows.map(([label, value]) => (
          <div key={label} className="overview-row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {v.description ? <p className="note">{v.description}</p> : null}
    </div>
  );
}

function Lineage({ name, version }: { name: string; version: string }) {
  const lineage = useAsync((signal) => registryApi.lineage(name, version, signal), [name, version]);
  if (lineage.error) return <ErrorBox error={lineage.error} onRetry={lineage.reload} />;
  if (!lineage.data) return <Loading />;
  return <LineageGraph graph={lineage.data} />;
}

/** `/models/:name/versions/:version`: one immutable version with its signature, package and lineage. */
export function ModelVersionPage() {
  const { name = '', version = '' } = useParams();
  const v = useAsync((signal) => registryApi.getVersion(name, version, signal), [name, version]);
  const crumbs = [
    { label: 'Models', to: '/models' },
    { label: name, to: `/models/${encodeURIComponent(name)}` },
  ];
  if (v.error) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={`${name} v${version}`} />
        <ErrorBox error={v.error} onRetry={v.reload} />
      </>
    );
  }
  if (!v.data) return <Loading />;
  const mv = v.data;
  const metrics = [...mv.metrics].sort((a, b) => a.key.localeCompare(b.key));

  return (
    <>
      <PageHeader
        crumbs={crumbs}
        title={
          <>
            {mv.name} <span className="title-version">v{mv.version}</span>
            {mv.aliases.length ? <AliasChips modelName={mv.name} aliases={mv.aliases.map((alias) => ({ alias, version: mv.version }))} showVersion={false} /> : null}
          </>
        }
        actions={
          <button type="button" className="btn" onClick={v.reload} disabled={v.loading}>
            Refresh
          </button>
        }
      />
      <div className="grid-2">
        <section className="card">
          <h2 className="card-title">Details</h2>
          <Details v={mv} />
        </section>
        <section className="card">
          <h2 className="card-title">Signature</h2>
          <SignatureTable signature={parseSignature(mv.signature)} />
        </section>
      </div>
      <section className="card" data-testid="version-monitoring">
        <h2 className="card-title">Monitoring</h2>
        <ProfileStatusNote name={mv.name} version={mv.version} />
      </section>
      <section className="card">
        <h2 className="card-title">Lineage</h2>
        <Lineage name={mv.name} version={mv.version} />
      </section>
      <div className="grid-2">
        <section className="card">
          <h2 className="card-title">Package</h2>
          <PackagePanel modelName={mv.name} version={mv.version} />
        </section>
        <div className="stack">
          <section className="card">
            <h2 className="card-title">
              Metrics <span className="count">{metrics.length}</span>
            </h2>
            {metrics.length === 0 ? (
              <div className="empty-inline muted">No metrics were copied from a source run.</div>
            ) : (
              <table className="data-table kv-table" data-testid="version-metrics">
                <tbody>
                  {metrics.map((m) => (
                    <tr key={m.key}>
                      <th scope="row" className="mono kv-key">
                        {m.key}
                      </th>
                      <td className="num mono" title={formatExact(m.value)}>
                        {formatNumber(m.value)}
                      </td>
                      <td className="num mono muted">step {m.step}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="card">
            <h2 className="card-title">
              Tags <span className="count">{mv.tags.length}</span>
            </h2>
            <KeyValueTable items={mv.tags} emptyText="No tags." testId="version-tags" />
          </section>
        </div>
      </div>
    </>
  );
}
