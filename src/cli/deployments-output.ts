import type { DeploymentWithStatus } from '../sdk/index.js';
import { formatTime, printLine, printSection, renderTable } from './client-command-output.js';

/** Traffic share of each variant as people read it: "60%" for callers, "mirror 100%" for shadows. */
export function trafficShares(d: Pick<DeploymentWithStatus, 'variants'>): Map<string, string> {
  const canary = d.variants.filter((v) => v.role === 'canary').reduce((s, v) => s + v.percent, 0);
  const splitTotal = d.variants.filter((v) => v.role === 'split').reduce((s, v) => s + v.weight, 0);
  const rest = Math.max(0, 100 - canary);
  return new Map(d.variants.map((v) => {
    if (v.role === 'shadow') return [v.name, `mirror ${v.percent}%`];
    if (v.role === 'canary') return [v.name, `${v.percent}%`];
    return [v.name, `${splitTotal > 0 ? Number(((rest * v.weight) / splitTotal).toFixed(2)) : 0}%`];
  }));
}

/** A deployment with its variants, traffic and this server's status. */
export function printDeployment(d: DeploymentWithStatus): void {
  const s = d.status;
  printLine(`Deployment ${d.name}  revision ${d.revision}  ${s.state}${s.servingRevision !== null && s.servingRevision !== d.revision ? ` (serving revision ${s.servingRevision})` : ''}`);
  if (s.error) printLine(`error: ${s.error}`);
  const shares = trafficShares(d);
  const live = new Map(s.variants.map((v) => [v.name, v]));
  printLine(
    renderTable(
      [{ header: 'VARIANT', minWidth: 8 }, { header: 'MODEL', minWidth: 12 }, { header: 'VERSION' }, { header: 'ROLE' }, { header: 'TRAFFIC' }, { header: 'CONCURRENCY' }, { header: 'BATCH' }, { header: 'READY' }, { header: 'IN FLIGHT' }],
      d.variants.map((v) => {
        const l = live.get(v.name);
        return [v.name, v.model, l?.version ?? '-', v.role, shares.get(v.name) ?? '-', String(v.concurrency), l ? String(l.maxBatch) : '-', l ? (l.ready ? 'yes' : 'no') : '-', l ? String(l.inFlight) : '-'];
      }),
    ),
  );
  if (d.stickyKey) printLine(`sticky key: ${d.stickyKey}`);
  printLine(`inputs logged for ${Math.round(d.inputSampleRate * 100)}% of predictions; updated ${formatTime(d.updatedTime)}`);
}

export { printSection };
