import { formatBytes } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { registryApi } from '../registry-api';
import { ErrorBox } from './ErrorBox';
import { Loading } from './Loading';

const RUNTIME_LABEL: Record<string, string> = { onnx: 'ONNX runtime', js: 'JavaScript runtime', python: 'Python (pyfunc) runtime' };

/** A version's model package: flavors, the runtime that would serve it, requirements, and its files to download. */
export function PackagePanel({ modelName, version }: { modelName: string; version: string }) {
  const pkg = useAsync((signal) => registryApi.getPackage(modelName, version, signal), [modelName, version]);
  if (pkg.error) return <ErrorBox error={pkg.error} compact />;
  if (!pkg.data) return <Loading />;
  const p = pkg.data;
  return (
    <div className="package" data-testid="package-panel">
      <dl className="overview-grid">
        <div className="overview-row">
          <dt>Flavors</dt>
          <dd>
            <span className="chips" data-testid="package-flavors">
              {p.flavors.map((f) => (
                <span key={f} className="badge neutral mono">
                  {f}
                </span>
              ))}
            </span>
          </dd>
        </div>
        <div className="overview-row">
          <dt>Runtime</dt>
          <dd data-testid="package-runtime">{p.runtime ? <span className="badge status-finished">{RUNTIME_LABEL[p.runtime] ?? p.runtime}</span> : <span className="muted">none detected: no runtime can serve these flavors</span>}</dd>
        </div>
        <div className="overview-row">
          <dt>Location</dt>
          <dd className="mono ellipsis" title={p.root}>
            {p.root}
          </dd>
        </div>
        {p.requirements.length ? (
          <div className="overview-row">
            <dt>Requirements</dt>
            <dd className="mono">{p.requirements.join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      {p.problems.map((problem) => (
        <div key={problem} className="notice">
          {problem}
        </div>
      ))}
      <div className="card-title-row package-files-head">
        <h3 className="section-title">
          Files <span className="count">{p.files.length}</span>
        </h3>
        <a className="btn btn-small" href={registryApi.packageArchiveUrl(modelName, version)} download>
          Download .tar.gz
        </a>
      </div>
      <table className="data-table kv-table" data-testid="package-files">
        <tbody>
          {p.files.map((f) => (
            <tr key={f.path} data-path={f.path}>
              <td className="mono">
                <a href={registryApi.packageFileUrl(modelName, version, f.path)} target="_blank" rel="noreferrer" title={`Open ${f.path}`}>
                  {f.path}
                </a>
              </td>
              <td className="num muted">{formatBytes(f.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
