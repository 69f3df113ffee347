import type { Command } from 'commander';
import type { LineageGraph, LineageNode } from '../sdk/index.js';
import { clientFor, optionsOf, withUrl } from './client-command-context.js';
import { printJson, printLine, truncate } from './client-command-output.js';

/** `ascent models lineage NAME VERSION`: what produced a version, as a tree. */
export function addModelsLineageCommand(models: Command): void {
  withUrl(
    models
      .command('lineage')
      .description('what produced a version (run, datasets, code, parent runs, logged model) and what serves it')
      .argument('<name>')
      .argument('<version>')
      .option('--json', 'print the lineage graph {root, nodes, edges, deployments} as JSON'),
  ).action(async (name: string, version: string, opts: { json?: boolean }, cmd: Command) => {
    const graph = await clientFor(optionsOf(cmd)).models.lineage(name, version);
    if (opts.json) return printJson(graph);
    printLine(renderLineageTree(graph));
  });
}

/**
 * The graph as a tree from the version, following edges forward (`produced_by`, `consumed`, …),
 * then the deployments. A node reached twice (a dataset two runs consumed) is expanded once and
 * marked `(see above)` after that, which also ends any cycle.
 */
export function renderLineageTree(graph: LineageGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const expanded = new Set<string>();
  const walk = (id: string, prefix: string) => {
    expanded.add(id);
    const children = graph.edges.filter((e) => e.from === id && e.relation !== 'serves');
    children.forEach((edge, i) => {
      const last = i === children.length - 1;
      const child = nodes.get(edge.to);
      const seen = expanded.has(edge.to);
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${edge.relation} → ${child ? describeNode(child) : edge.to}${seen ? ' (see above)' : ''}`);
      if (!seen) walk(edge.to, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  const root = nodes.get(graph.root);
  lines.push(root ? describeNode(root) : graph.root);
  walk(graph.root, '');
  lines.push('');
  if (graph.deployments.length === 0) lines.push(`Deployments: none. ${graph.note}`.trim());
  else lines.push('Deployments:', ...graph.deployments.map((d) => `  ${describeNode(d)}`));
  return lines.join('\n');
}

/** `run train-42 [5327756f…] FINISHED`: kind, label and the few facts that tell nodes apart. */
function describeNode(node: LineageNode): string {
  const d = node.data;
  const str = (key: string): string | undefined => (typeof d[key] === 'string' && d[key] !== '' ? (d[key] as string) : undefined);
  const facts: string[] = [];
  if (d.missing === true) facts.push('missing');
  switch (node.kind) {
    case 'model_version':
      facts.push(...[str('stage') !== 'None' ? str('stage') : undefined, (d.aliases as string[] | undefined)?.length ? `@${(d.aliases as string[]).join(', @')}` : undefined].filter((f): f is string => f !== undefined));
      break;
    case 'run':
    case 'parent_run':
      facts.push(...[str('runId') ? truncate(str('runId')!, 9) : undefined, str('status')].filter((f): f is string => f !== undefined));
      break;
    case 'dataset':
      if (str('context')) facts.push(str('context')!);
      if (str('source')) facts.push(truncate(str('source')!, 60));
      break;
    case 'code':
      if (d.dirty === true) facts.push('uncommitted changes');
      if (str('entryPoint') && str('commit')) facts.push(str('entryPoint')!);
      break;
    default:
      break;
  }
  return `${node.kind.replace('_', ' ')} ${node.label}${facts.length ? ` [${facts.join(', ')}]` : ''}`;
}
