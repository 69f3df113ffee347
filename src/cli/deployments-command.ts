import type { Command } from 'commander';
import { AscentError, type TrafficChange } from '../sdk/index.js';
import { clientFor, optionsOf, positiveInt, withUrl } from './client-command-context.js';
import { formatNumber, formatTime, printJson, printLine, printSection, renderTable } from './client-command-output.js';
import { printDeployment, trafficShares } from './deployments-output.js';

/** `ascent deployments ls|show|traffic|rollback|rm`: serving deployments. */
export function registerDeploymentsCommand(program: Command): void {
  const deployments = program.command('deployments').description('serving deployments: variants, traffic, revisions, rollback');

  withUrl(deployments.command('ls').description('list deployments with their variants and traffic').option('--json', 'print JSON')).action(async (opts: { json?: boolean }, cmd: Command) => {
    const items = await clientFor(optionsOf(cmd)).deployments.list();
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine('No deployments yet: ascent deploy <name> <model>');
    printLine(renderTable(
      [{ header: 'NAME', minWidth: 12 }, { header: 'REVISION' }, { header: 'STATE' }, { header: 'VARIANTS' }, { header: 'UPDATED', minWidth: 19 }],
      items.map((d) => {
        const shares = trafficShares(d);
        const versions = new Map(d.status.variants.map((v) => [v.name, v.version]));
        return [d.name, String(d.revision), d.status.state, d.variants.map((v) => `${v.name}=${v.model}${versions.get(v.name) && !v.model.endsWith(`/${versions.get(v.name)}`) ? ` (v${versions.get(v.name)})` : ''} ${shares.get(v.name)}`).join(', '), formatTime(d.updatedTime)];
      }),
    ));
  });

  withUrl(
    deployments.command('show').description('show a deployment: variants, traffic, status, live stats and revision history').argument('<name>')
      .option('--revisions <n>', 'how many revisions to list', '10').option('--json', 'print JSON {deployment, revisions, stats}'),
  ).action(async (name: string, opts: { revisions: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const [d, revisions, stats] = await Promise.all([client.deployments.get(name), client.deployments.revisions(name, positiveInt(opts.revisions, 'revisions', 10)), client.deployments.stats(name, 60)]);
    if (opts.json) return printJson({ deployment: d, revisions, stats });
    printDeployment(d);
    printSection('Last 60 s', [{ header: 'VARIANT', minWidth: 8 }, { header: 'REQUESTS' }, { header: 'ERRORS' }, { header: 'REQ/S' }, { header: 'MEAN MS' }], Object.entries(stats.variants).map(([v, points]) => {
      const req = points.reduce((s, p) => s + p.requests, 0);
      const err = points.reduce((s, p) => s + p.errors, 0);
      const mean = req > 0 ? points.reduce((s, p) => s + p.meanMs * p.requests, 0) / req : 0;
      return [v, String(req), String(err), formatNumber(req / 60), formatNumber(Number(mean.toFixed(3)))];
    }));
    printSection('Revisions', [{ header: 'REV' }, { header: 'TIME', minWidth: 19 }, { header: 'BY' }, { header: 'VARIANTS' }, { header: 'MESSAGE' }], revisions.map((r) => [
      String(r.revision), formatTime(r.time), r.actor, r.spec.variants.map((v) => `${v.name}=${v.model}`).join(', '), r.message ?? '-',
    ]));
  });

  withUrl(
    deployments.command('traffic')
      .description('shift traffic: VARIANT=WEIGHT for split variants, VARIANT=PCT% for canary and shadow variants')
      .argument('<name>')
      .argument('[assignments...]', 'e.g. main=3 b=1, or canary=25%')
      .option('--promote <variant>', 'send all caller traffic to this variant (others keep running with weight 0)')
      .option('-m, --message <text>', 'why, recorded in the revision history')
      .option('--json', 'print JSON'),
  ).action(async (name: string, assignments: string[], opts: { promote?: string; message?: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const current = await client.deployments.get(name);
    const changes: TrafficChange[] = [];
    if (opts.promote) {
      if (!current.variants.some((v) => v.name === opts.promote)) throw new AscentError('INVALID_ARGUMENT', `Deployment '${name}' has no variant '${opts.promote}'`, { field: 'promote' });
      for (const v of current.variants) {
        if (v.role === 'shadow') continue;
        changes.push(v.name === opts.promote ? { variant: v.name, role: 'split', weight: 1, percent: 0 } : { variant: v.name, role: 'split', weight: 0, percent: 0 });
      }
    }
    for (const a of assignments) {
      const m = /^([^=]+)=(\d+(?:\.\d+)?)(%?)$/.exec(a);
      if (!m) throw new AscentError('INVALID_ARGUMENT', `'${a}' is not VARIANT=WEIGHT or VARIANT=PCT%`, { field: 'assignments' });
      const variant = current.variants.find((v) => v.name === m[1]);
      if (!variant) throw new AscentError('INVALID_ARGUMENT', `Deployment '${name}' has no variant '${m[1]}'`, { field: 'assignments' });
      const value = Number(m[2]);
      changes.push(m[3] || variant.role !== 'split' ? { variant: m[1]!, percent: value } : { variant: m[1]!, weight: value });
    }
    if (changes.length === 0) throw new AscentError('INVALID_ARGUMENT', 'Nothing to change: give VARIANT=WEIGHT / VARIANT=PCT% or --promote', { field: 'assignments' });
    const d = await client.deployments.setTraffic(name, changes, { expectedRevision: current.revision, ...(opts.message ? { message: opts.message } : {}) });
    if (opts.json) return printJson(d);
    printDeployment(d);
  });

  withUrl(
    deployments.command('rollback').description('roll back to the previous revision (or --to N); models still loaded swap instantly').argument('<name>')
      .option('--to <revision>', 'revision to restore').option('-m, --message <text>', 'why').option('--json', 'print JSON'),
  ).action(async (name: string, opts: { to?: string; message?: string; json?: boolean }, cmd: Command) => {
    const d = await clientFor(optionsOf(cmd)).deployments.rollback(name, { ...(opts.to ? { toRevision: positiveInt(opts.to, 'to', 1) } : {}), ...(opts.message ? { message: opts.message } : {}) });
    if (opts.json) return printJson(d);
    printDeployment(d);
  });

  withUrl(deployments.command('rm').description('delete a deployment (in-flight requests finish first)').argument('<name>')).action(async (name: string, _opts: unknown, cmd: Command) => {
    await clientFor(optionsOf(cmd)).deployments.delete(name);
    printLine(`Deleted deployment ${name}.`);
  });
}
