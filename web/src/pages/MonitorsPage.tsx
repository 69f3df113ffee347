import { Link } from 'react-router-dom';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatRelative, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { monitoringApi } from '../monitoring-api';

/** `/monitoring`: every monitored deployment with its window length and rules. */
export function MonitorsPage() {
  const list = useAsync((signal) => monitoringApi.list(signal), []);
  return (
    <>
      <PageHeader title="Monitoring" subtitle={<>Monitor a deployment with <code>ascent monitor configure &lt;deployment&gt;</code>; compare two files offline with <code>ascent monitor compare</code>.</>} />
      <section className="card">
        {list.error ? <ErrorBox error={list.error} /> : null}
        {list.loading && !list.data ? <Loading /> : null}
        {list.data && list.data.length === 0 ? <p className="muted">No monitored deployments yet.</p> : null}
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="monitors-table">
              <thead><tr><th>Deployment</th><th className="num">Window</th><th>Task</th><th className="num">Rules</th><th>Updated</th></tr></thead>
              <tbody>
                {list.data.map((m) => (
                  <tr key={m.deployment}>
                    <td><Link to={`/monitoring/${encodeURIComponent(m.deployment)}`}>{m.deployment}</Link></td>
                    <td className="num">{m.config.windowSeconds} s</td>
                    <td>{m.config.task ?? <span className="muted">drift only</span>}</td>
                    <td className="num">{m.config.rules.length}</td>
                    <td title={formatTime(m.updatedTime)}>{formatRelative(m.updatedTime)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
