import { useMemo } from 'react';
import { useNavigate } from 'react-router-dom';
import { shortId } from '../lib/format';
import { KIND_ORDER, edgePath, layoutLineage, type PlacedNode } from '../lib/lineage-layout';
import type { LineageGraph as Graph, LineageNode, LineageNodeKind } from '../registry-api';

const KIND_LABEL: Record<LineageNodeKind, string> = {
  dataset: 'Dataset',
  code: 'Code',
  logged_model: 'Logged model',
  run: 'Run',
  parent_run: 'Parent run',
  model_version: 'Model version',
  deployment: 'Deployment',
};

const RELATION_LABEL: Record<string, string> = {
  produced_by: 'produced by',
  registered_from: 'registered from',
  logged_by: 'logged by',
  consumed: 'consumed',
  executed: 'executed',
  child_of: 'child of',
  serves: 'serves',
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The second line of a node: what a user checks about it at a glance. */
function detail(node: LineageNode): string {
  const d = node.data;
  if (d.missing) return 'not found on this server';
  switch (node.kind) {
    case 'run':
    case 'parent_run':
      return [str(d.runId) ? shortId(str(d.runId)!) : null, str(d.status)?.toLowerCase()].filter(Boolean).join(' · ');
    case 'dataset':
      return [str(d.digest) ? `#${str(d.digest)}` : null, str(d.context), str(d.sourceType)].filter(Boolean).join(' · ') || (str(d.source) ?? '');
    case 'code':
      return [str(d.branch), str(d.entryPoint), d.dirty === true ? 'dirty' : null].filter(Boolean).join(' · ') || (str(d.repoUrl) ?? '');
    case 'model_version': {
      const aliases = Array.isArray(d.aliases) ? (d.aliases as string[]).map((a) => `@${a}`).join(' ') : '';
      return [str(d.stage) !== 'None' ? str(d.stage) : null, aliases || null].filter(Boolean).join(' · ') || (str(d.status)?.toLowerCase() ?? '');
    }
    default:
      return [str(d.modelType), str(d.status)?.toLowerCase()].filter(Boolean).join(' · ');
  }
}

/** The first line of a node; a dataset's digest moves to the second line, where there is room. */
function title(node: LineageNode): string {
  return node.kind === 'dataset' && str(node.data.name) ? str(node.data.name)! : node.label;
}

/** Where a click on a node goes inside the UI, if anywhere. */
function targetOf(node: LineageNode): string | null {
  const d = node.data;
  if (d.missing) return null;
  if ((node.kind === 'run' || node.kind === 'parent_run') && str(d.runId)) return `/runs/${encodeURIComponent(str(d.runId)!)}`;
  if (node.kind === 'model_version' && str(d.name) && str(d.version)) return `/models/${encodeURIComponent(str(d.name)!)}/versions/${encodeURIComponent(str(d.version)!)}`;
  return null;
}

let measureContext: CanvasRenderingContext2D | null | undefined;

/** Width of `text` in px as the SVG will draw it (the page's font, at the given weight and size). */
function textWidth(text: string, weightAndSize: string): number {
  measureContext ??= document.createElement('canvas').getContext('2d');
  if (!measureContext) return text.length * 7.5;
  measureContext.font = `${weightAndSize} ${getComputedStyle(document.body).fontFamily}`;
  return measureContext.measureText(text).width;
}

/** Cut text to fit a width, with an ellipsis; the node's tooltip has it in full. */
function fit(text: string, width: number, weightAndSize: string): string {
  if (textWidth(text, weightAndSize) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${text.slice(0, mid)}…`, weightAndSize) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

function tooltip(node: LineageNode): string {
  const lines = [`${KIND_LABEL[node.kind]}: ${node.label}`];
  for (const [k, v] of Object.entries(node.data)) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    lines.push(`${k}: ${String(v)}`);
  }
  return lines.join('\n');
}

function NodeBox({ placed, root, onOpen }: { placed: PlacedNode; root: boolean; onOpen: (to: string) => void }) {
  const { node, x, y, width, height } = placed;
  const to = targetOf(node);
  const open = to ? () => onOpen(to) : undefined;
  return (
    <g
      className={`lineage-node kind-${node.kind}${root ? ' root' : ''}${to ? ' clickable' : ''}`}
      transform={`translate(${x},${y})`}
      data-node-id={node.id}
      data-kind={node.kind}
      role={to ? 'link' : undefined}
      tabIndex={to ? 0 : undefined}
      aria-label={to ? `${KIND_LABEL[node.kind]} ${node.label}` : undefined}
      onClick={open}
      onKeyDown={(e) => {
        if (open && (e.key === 'Enter' || e.key === ' ')) open();
      }}
    >
      <title>{tooltip(node)}</title>
      <rect className="node-box" width={width} height={height} rx={6} />
      <rect className="node-bar" width={4} height={height} rx={2} />
      <text className="node-kind" x={14} y={15}>
        {KIND_LABEL[node.kind].toUpperCase()}
      </text>
      <text className="node-label" x={14} y={32}>
        {fit(title(node), width - 24, '600 12.5px')}
      </text>
      <text className="node-detail" x={14} y={46}>
        {fit(detail(node), width - 24, '400 11px')}
      </text>
    </g>
  );
}

/**
 * The lineage of a model version as an SVG: inputs on the left, the version and what serves it on
 * the right; nodes coloured by kind, runs and versions clickable, relation names on edge hover.
 */
export function LineageGraph({ graph }: { graph: Graph }) {
  const navigate = useNavigate();
  const layout = useMemo(() => layoutLineage(graph), [graph]);
  const kinds = KIND_ORDER.filter((k) => graph.nodes.some((n) => n.kind === k));
  return (
    <div className="lineage" data-testid="lineage-graph">
      <div className="lineage-legend" aria-label="Legend">
        {kinds.map((k) => (
          <span key={k} className={`legend-item kind-${k}`}>
            <span className="legend-swatch" />
            {KIND_LABEL[k]}
          </span>
        ))}
        <span className="legend-hint muted">Arrows read left to right: inputs flow into what they produced. Click a run or version to open it.</span>
      </div>
      <div className="lineage-scroll">
        <svg className="lineage-svg" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label="Lineage graph">
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,1 L9,5 L0,9 z" className="arrow-head" />
            </marker>
          </defs>
          {layout.edges.map(({ edge, points }) => {
            const d = edgePath(points);
            const a = points[0]!;
            const b = points[1] ?? a;
            return (
              <g key={`${edge.from}>${edge.to}>${edge.relation}`} className="lineage-edge" data-relation={edge.relation}>
                <title>{`${edge.from} ${RELATION_LABEL[edge.relation] ?? edge.relation} ${edge.to}`}</title>
                <path d={d} className="edge-hit" />
                <path d={d} className="edge-line" markerEnd="url(#lineage-arrow)" />
                <text className="edge-label" x={(a.x + b.x) / 2} y={(a.y + b.y) / 2 - 5} textAnchor="middle">
                  {RELATION_LABEL[edge.relation] ?? edge.relation}
                </text>
              </g>
            );
          })}
          {layout.nodes.map((p) => (
            <NodeBox key={p.node.id} placed={p} root={p.node.id === graph.root} onOpen={navigate} />
          ))}
        </svg>
      </div>
      {graph.note ? <p className="lineage-note muted">{graph.note}</p> : null}
    </div>
  );
}
