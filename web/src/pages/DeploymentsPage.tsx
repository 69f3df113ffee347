import { Link } from 'react-router-dom';
import { deploymentsApi, trafficShares, type DeploymentWithStatus } from '../deployments-api';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatRelative, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { DeploymentStateBadge, DeploymentTrafficBar } from './DeploymentTrafficBar';

/** `/deployments`: every deployment with its variants, the versions they serve and their traffic shares. */
export function DeploymentsPage() {
  const list = useAsync((signal) => deploymentsApi.list(signal), []);
  return (
    <>
      <PageHeader title="Deployments" subtitle={<>Create one with <code>ascent deploy &lt;name&gt; &lt;model&gt;@&lt;alias&gt;</code>; served at <code>/v2/models/&lt;name&gt;</code> and <code>/deployments/&lt;name&gt;/invocations</code>.</>} />
      <section className="card">
        {list.error ? <ErrorBox error={list.error} /> : null}
        {list.loading && !list.data ? <Loading /> : null}
        {list.data && list.data.length === 0 ? <p className="muted">No deployments yet.</p> : null}
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="deployments-table">
              <thead>
                <tr><th>Name</th><th>State</th><th className="num">Revision</th><th>Variants</th><th>Traffic</th><th>Updated</th></tr>
              </thead>
              <tbody>
                {list.data.map((d) => <DeploymentRow key={d.name} d={d} />)}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}

function DeploymentRow({ d }: { d: DeploymentWithStatus }) {
  const shares = trafficShares(d);
  const versions = new Map(d.status.variants.map((v) => [v.name, v.version]));
  return (
    <tr>
      <td><Link to={`/deployments/${encodeURIComponent(d.name)}`}>{d.name}</Link></td>
      <td><DeploymentStateBadge state={d.status.state} /></td>
      <td className="num">{d.revision}</td>
      <td>
        {d.variants.map((v) => (
          <div key={v.name}>
            <strong>{v.name}</strong> <code>{v.model}</code>{versions.get(v.name) ? <span className="muted"> v{versions.get(v.name)}</span> : null}{' '}
            <span className="muted">{v.role === 'shadow' ? `mirror ${v.percent}%` : `${Number(shares.get(v.name)!.share.toFixed(1))}%`}</span>
          </div>
        ))}
      </td>
      <td style={{ minWidth: 160 }}><DeploymentTrafficBar deployment={d} /></td>
      <td title={formatTime(d.updatedTime)}>{formatRelative(d.updatedTime)}</td>
    </tr>
  );
}
