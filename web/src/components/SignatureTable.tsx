import type { ModelSignature, ParamSpec, SignatureSpec } from '../registry-api';

function typeOf(s: SignatureSpec): string {
  const tensor = s['tensor-spec'];
  if (s.type === 'tensor' && tensor) return `tensor ${tensor.dtype}${tensor.shape ? ` [${tensor.shape.map((d) => (d === -1 ? '?' : d)).join(', ')}]` : ''}`;
  return s.type;
}

function Specs({ title, specs, testId }: { title: string; specs: readonly SignatureSpec[] | null; testId: string }) {
  return (
    <div className="signature-part">
      <h3 className="section-title">
        {title} <span className="count">{specs?.length ?? 0}</span>
      </h3>
      {specs?.length ? (
        <table className="data-table kv-table" data-testid={testId}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Required</th>
            </tr>
          </thead>
          <tbody>
            {specs.map((s, i) => (
              <tr key={`${s.name ?? ''}:${i}`}>
                <td className="mono">{s.name ?? <span className="muted">#{i}</span>}</td>
                <td className="mono">{typeOf(s)}</td>
                <td className="muted">{s.required === false ? 'optional' : 'yes'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="empty-inline muted">Not declared.</div>
      )}
    </div>
  );
}

function Params({ params }: { params: readonly ParamSpec[] }) {
  return (
    <div className="signature-part">
      <h3 className="section-title">
        Inference parameters <span className="count">{params.length}</span>
      </h3>
      <table className="data-table kv-table" data-testid="signature-params">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Default</th>
          </tr>
        </thead>
        <tbody>
          {params.map((p) => (
            <tr key={p.name}>
              <td className="mono">{p.name}</td>
              <td className="mono">{p.type}</td>
              <td className="mono muted">{p.default === undefined ? '—' : JSON.stringify(p.default)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A model signature: the input and output columns or tensors, and inference parameters when declared. */
export function SignatureTable({ signature }: { signature: ModelSignature | null }) {
  if (!signature) return <div className="empty-inline muted">The package declares no signature, so inputs are not checked before inference.</div>;
  return (
    <div className="signature" data-testid="signature">
      <Specs title="Inputs" specs={signature.inputs} testId="signature-inputs" />
      <Specs title="Outputs" specs={signature.outputs} testId="signature-outputs" />
      {signature.params?.length ? <Params params={signature.params} /> : null}
    </div>
  );
}
