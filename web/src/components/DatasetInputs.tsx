import type { DatasetInput } from '../api';

interface SchemaColumn {
  name?: string;
  type?: string;
}

/** MLflow stores dataset schemas as JSON, usually `{"mlflow_colspec": [{name, type}]}`. */
function schemaColumns(schema: string | null | undefined): SchemaColumn[] | null {
  if (!schema) return null;
  try {
    const parsed = JSON.parse(schema) as { mlflow_colspec?: SchemaColumn[]; mlflow_tensorspec?: unknown } | SchemaColumn[];
    if (Array.isArray(parsed)) return parsed;
    if (Array.isArray(parsed.mlflow_colspec)) return parsed.mlflow_colspec;
  } catch {
    // not JSON: shown as text
  }
  return null;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The datasets a run consumed: name, digest, source, context, and the schema when logged. */
export function DatasetInputs({ inputs }: { inputs: readonly DatasetInput[] }) {
  if (inputs.length === 0) return <div className="empty-inline muted">No dataset inputs logged.</div>;
  return (
    <div className="datasets" data-testid="dataset-inputs">
      {inputs.map(({ dataset, tags }, i) => {
        const context = tags.find((t) => t.key === 'mlflow.data.context')?.value;
        const columns = schemaColumns(dataset.schema);
        return (
          <div className="dataset" key={`${dataset.name}:${dataset.digest}:${i}`}>
            <div className="dataset-head">
              <span className="dataset-name">{dataset.name}</span>
              {context ? <span className="badge neutral">{context}</span> : null}
              <span className="mono muted" title="digest">
                #{dataset.digest}
              </span>
            </div>
            <div className="dataset-meta">
              <span className="muted">{dataset.sourceType}</span>
              <span className="mono ellipsis" title={dataset.source}>
                {dataset.source}
              </span>
            </div>
            {columns ? (
              <details className="schema" open={columns.length <= 12}>
                <summary>Schema · {columns.length} columns</summary>
                <table className="data-table schema-table">
                  <tbody>
                    {columns.map((c, j) => (
                      <tr key={j}>
                        <td className="mono">{c.name ?? `#${j}`}</td>
                        <td className="muted mono">{c.type ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : dataset.schema ? (
              <details className="schema">
                <summary>Schema</summary>
                <pre className="code small">{pretty(dataset.schema)}</pre>
              </details>
            ) : null}
            {dataset.profile ? (
              <details className="schema">
                <summary>Profile</summary>
                <pre className="code small">{pretty(dataset.profile)}</pre>
              </details>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
