import type { StepRun } from '../pipelines-api';

/** One node of the drawn DAG: a step, or a foreach step's items folded into one node. */
interface Node {
  id: string;
  label: string;
  steps: StepRun[];
  upstream: string[];
  layer: number;
  row: number;
}

const W = 168;
const H = 46;
const GAP_X = 60;
const GAP_Y = 18;
/** Foreach steps with more items than this are drawn as one node with counts. */
const FOLD_ABOVE = 6;

const COLOR: Record<string, string> = { succeeded: '#2f9e44', failed: '#e03131', cancelled: '#e8590c', running: '#1c7ed6', pending: '#adb5bd', skipped: '#ced4da' };

function layout(steps: StepRun[], dag: { step: string; upstream: string[] }[]): Node[] {
  const byBase = new Map<string, StepRun[]>();
  for (const s of steps) byBase.set(s.baseStep, [...(byBase.get(s.baseStep) ?? []), s]);
  const fold = (s: StepRun) => ((byBase.get(s.baseStep)?.length ?? 0) > FOLD_ABOVE ? `${s.baseStep}[*]` : s.stepName);
  const ups = new Map(dag.map((d) => [d.step, d.upstream]));
  const nodes = new Map<string, Node>();
  for (const s of steps) {
    const id = fold(s);
    const n = nodes.get(id) ?? { id, label: id === s.stepName ? s.stepName : `${s.baseStep} ×${byBase.get(s.baseStep)!.length}`, steps: [], upstream: [], layer: 0, row: 0 };
    n.steps.push(s);
    for (const u of ups.get(s.stepName) ?? []) {
      const uid = fold(steps.find((x) => x.stepName === u) ?? s);
      if (uid !== id && !n.upstream.includes(uid)) n.upstream.push(uid);
    }
    nodes.set(id, n);
  }
  // Layer = longest path from a root, so every edge points right.
  const layerOf = (n: Node, seen = new Set<string>()): number => {
    if (seen.has(n.id)) return 0;
    seen.add(n.id);
    return n.upstream.length === 0 ? 0 : 1 + Math.max(...n.upstream.map((u) => layerOf(nodes.get(u)!, seen)));
  };
  const rows = new Map<number, number>();
  for (const n of nodes.values()) {
    n.layer = layerOf(n);
    n.row = rows.get(n.layer) ?? 0;
    rows.set(n.layer, n.row + 1);
  }
  return [...nodes.values()];
}

function summary(n: Node): { color: string; text: string } {
  if (n.steps.length === 1) {
    const s = n.steps[0]!;
    return { color: COLOR[s.status] ?? '#adb5bd', text: s.cacheStatus === 'hit' ? `${s.status} · cached` : s.status };
  }
  const count = (st: string) => n.steps.filter((s) => s.status === st).length;
  const worst = ['failed', 'running', 'cancelled', 'pending', 'skipped', 'succeeded'].find((st) => count(st) > 0) ?? 'pending';
  return { color: COLOR[worst]!, text: `${count('succeeded')}/${n.steps.length} done${count('running') ? ` · ${count('running')} running` : ''}${count('failed') ? ` · ${count('failed')} failed` : ''}` };
}

/** The run's DAG as SVG: steps left to right by dependency depth, coloured by state; click selects a step. */
export function DagGraph({ steps, dag, selected, onSelect }: { steps: StepRun[]; dag: { step: string; upstream: string[] }[]; selected: string | null; onSelect: (step: string) => void }) {
  const nodes = layout(steps, dag);
  const pos = new Map(nodes.map((n) => [n.id, { x: 10 + n.layer * (W + GAP_X), y: 10 + n.row * (H + GAP_Y) }]));
  const width = 20 + (Math.max(0, ...nodes.map((n) => n.layer)) + 1) * (W + GAP_X) - GAP_X;
  const height = 20 + (Math.max(0, ...nodes.map((n) => n.row)) + 1) * (H + GAP_Y) - GAP_Y;
  return (
    <div className="dag-wrap">
      <svg className="dag" width={width} height={height} role="img" aria-label="Pipeline DAG">
        {nodes.flatMap((n) =>
          n.upstream.map((u) => {
            const a = pos.get(u)!;
            const b = pos.get(n.id)!;
            const x1 = a.x + W;
            const y1 = a.y + H / 2;
            const x2 = b.x;
            const y2 = b.y + H / 2;
            return <path key={`${u}->${n.id}`} d={`M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`} fill="none" stroke="#adb5bd" strokeWidth="1.5" markerEnd="url(#dag-arrow)" />;
          }),
        )}
        <defs>
          <marker id="dag-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" fill="#adb5bd" />
          </marker>
        </defs>
        {nodes.map((n) => {
          const p = pos.get(n.id)!;
          const s = summary(n);
          const isSelected = n.steps.some((x) => x.stepName === selected);
          return (
            <g key={n.id} className="dag-node" data-step={n.id} data-state={n.steps.length === 1 ? n.steps[0]!.status : 'group'} transform={`translate(${p.x},${p.y})`} onClick={() => onSelect(n.steps[0]!.stepName)} style={{ cursor: 'pointer' }}>
              <rect width={W} height={H} rx="6" fill="#fff" stroke={isSelected ? '#1c7ed6' : '#dee2e6'} strokeWidth={isSelected ? 2 : 1} />
              <rect width="5" height={H} rx="2" fill={s.color} />
              <text x="14" y="19" fontSize="12.5" fontWeight="600" fill="#212529">{n.label.length > 22 ? `${n.label.slice(0, 21)}…` : n.label}</text>
              <text x="14" y="36" fontSize="11" fill="#495057">{s.text}</text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
