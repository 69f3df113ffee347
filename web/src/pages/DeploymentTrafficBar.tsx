import { trafficShares, type Deployment } from '../deployments-api';
import { colorFor } from '../lib/palette';

/** A horizontal bar of caller traffic per variant (shadows drawn as a dashed mirror line below). */
export function DeploymentTrafficBar({ deployment }: { deployment: Pick<Deployment, 'variants'> }) {
  const shares = trafficShares(deployment);
  const callers = deployment.variants.filter((v) => v.role !== 'shadow');
  const shadows = deployment.variants.filter((v) => v.role === 'shadow');
  return (
    <div className="traffic-bar" data-testid="traffic-bar">
      <div style={{ display: 'flex', height: 14, borderRadius: 4, overflow: 'hidden', background: 'var(--border, #ddd)' }}>
        {callers.map((v) => {
          const share = shares.get(v.name)!.share;
          const i = deployment.variants.indexOf(v);
          return share > 0 ? <div key={v.name} title={`${v.name}: ${share.toFixed(1)}%`} style={{ width: `${share}%`, background: colorFor(i) }} /> : null;
        })}
      </div>
      {shadows.map((v) => (
        <div key={v.name} title={`${v.name} mirrors ${v.percent}%`} style={{ marginTop: 3, height: 0, width: `${v.percent}%`, borderTop: `3px dashed ${colorFor(deployment.variants.indexOf(v))}` }} />
      ))}
    </div>
  );
}

/** Coloured pill for a deployment's serving state on this server. */
export function DeploymentStateBadge({ state }: { state: string }) {
  const cls = state === 'ready' ? 'finished' : state === 'failed' ? 'failed' : state === 'loading' ? 'running' : 'scheduled';
  return <span className={`badge status-${cls}`} data-state={state}>{state}</span>;
}
