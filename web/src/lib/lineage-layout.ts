import type { LineageEdge, LineageGraph, LineageNode, LineageNodeKind } from '../registry-api';

/**
 * A layered left-to-right layout of a lineage graph, small enough to need no graph library:
 * columns by role (inputs → run → parent runs / logged model → version → deployments), long edges
 * routed through placeholder slots in the columns they cross, rows ordered by a few barycenter
 * sweeps so edges rarely cross.
 */

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  node: LineageNode;
  column: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RoutedEdge {
  edge: LineageEdge;
  /** From the right side of the left node, through crossed columns, to the left side of the right node. */
  points: Point[];
}

export interface LineageLayout {
  nodes: PlacedNode[];
  edges: RoutedEdge[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  padding: number;
}

const DEFAULTS: LayoutOptions = { nodeWidth: 232, nodeHeight: 52, columnGap: 64, rowGap: 14, padding: 12 };
/** Height an edge takes where it crosses a column. */
const SLOT_HEIGHT = 10;
const SWEEPS = 4;

/** Order of kinds within a column before the sweeps, and of the legend. */
export const KIND_ORDER: LineageNodeKind[] = ['dataset', 'code', 'logged_model', 'run', 'parent_run', 'model_version', 'deployment'];

interface Item {
  id: string;
  node: LineageNode | null;
  height: number;
  y: number;
}

/** The column rank of every node: inputs 0, run 1, parent runs 2…, logged model beside them, version, deployments. */
function ranks(graph: LineageGraph): Map<string, number> {
  const rank = new Map<string, number>();
  const registeredFrom = new Set(graph.edges.filter((e) => e.relation === 'registered_from').map((e) => e.to));
  // Parent runs: one column per level above the version's run.
  const parentOf = new Map(graph.edges.filter((e) => e.relation === 'child_of').map((e) => [e.from, e.to]));
  let deepest = 1;
  for (const n of graph.nodes) {
    if (n.kind !== 'run') continue;
    rank.set(n.id, 1);
    let at = n.id;
    for (let depth = 2; parentOf.has(at) && depth < 60; depth++) {
      at = parentOf.get(at)!;
      if (rank.has(at)) break;
      rank.set(at, depth);
      deepest = Math.max(deepest, depth);
    }
  }
  const modelColumn = Math.max(deepest, registeredFrom.size > 0 ? 2 : 1) + 1;
  for (const n of graph.nodes) {
    if (rank.has(n.id)) continue;
    if (n.kind === 'dataset' || n.kind === 'code') rank.set(n.id, 0);
    else if (n.kind === 'logged_model') rank.set(n.id, registeredFrom.has(n.id) ? 2 : 0);
    else if (n.kind === 'run' || n.kind === 'parent_run') rank.set(n.id, 2);
    else if (n.kind === 'model_version') rank.set(n.id, modelColumn);
    else rank.set(n.id, modelColumn + 1);
  }
  // Drop empty columns, keeping their order.
  const used = [...new Set(rank.values())].sort((a, b) => a - b);
  return new Map([...rank].map(([id, r]) => [id, used.indexOf(r)]));
}

/** Stack a column's items centred on y = 0. */
function place(column: Item[], rowGap: number): void {
  const total = column.reduce((sum, it) => sum + it.height, 0) + rowGap * Math.max(0, column.length - 1);
  let y = -total / 2;
  for (const it of column) {
    it.y = y + it.height / 2;
    y += it.height + rowGap;
  }
}

export function layoutLineage(graph: LineageGraph, options: Partial<LayoutOptions> = {}): LineageLayout {
  const o = { ...DEFAULTS, ...options };
  const rank = ranks(graph);
  const columnCount = Math.max(1, ...[...rank.values()].map((r) => r + 1));
  const columns: Item[][] = Array.from({ length: columnCount }, () => []);
  const items = new Map<string, Item>();
  const byKind = (a: LineageNode, b: LineageNode) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.label.localeCompare(b.label);
  for (const node of [...graph.nodes].sort(byKind)) {
    const item: Item = { id: node.id, node, height: o.nodeHeight, y: 0 };
    items.set(node.id, item);
    columns[rank.get(node.id)!]!.push(item);
  }

  // Each edge becomes a chain left → slots → right; `links` holds its one-column segments.
  const chains: { edge: LineageEdge; ids: string[] }[] = [];
  const links: [string, string][] = [];
  graph.edges.forEach((edge, i) => {
    if (!items.has(edge.from) || !items.has(edge.to)) return;
    const [left, right] = rank.get(edge.from)! <= rank.get(edge.to)! ? [edge.from, edge.to] : [edge.to, edge.from];
    const ids = [left];
    for (let c = rank.get(left)! + 1; c < rank.get(right)!; c++) {
      const slot: Item = { id: `slot:${i}:${c}`, node: null, height: SLOT_HEIGHT, y: 0 };
      items.set(slot.id, slot);
      columns[c]!.push(slot);
      ids.push(slot.id);
    }
    ids.push(right);
    chains.push({ edge, ids });
    for (let k = 1; k < ids.length; k++) links.push([ids[k - 1]!, ids[k]!]);
  });

  const neighbours = (id: string, side: 'left' | 'right') => links.filter((l) => l[side === 'left' ? 1 : 0] === id).map((l) => items.get(l[side === 'left' ? 0 : 1])!);
  columns.forEach((c) => place(c, o.rowGap));
  const sweep = (c: number, side: 'left' | 'right') => {
    const column = columns[c]!;
    const key = new Map(column.map((it) => {
      const ns = neighbours(it.id, side);
      return [it.id, ns.length ? ns.reduce((s, n) => s + n.y, 0) / ns.length : it.y] as const;
    }));
    column.sort((a, b) => key.get(a.id)! - key.get(b.id)!);
    place(column, o.rowGap);
  };
  for (let s = 0; s < SWEEPS; s++) {
    for (let c = 1; c < columnCount; c++) sweep(c, 'left');
    for (let c = columnCount - 2; c >= 0; c--) sweep(c, 'right');
  }

  const top = Math.min(...columns.flat().map((it) => it.y - it.height / 2));
  const bottom = Math.max(...columns.flat().map((it) => it.y + it.height / 2));
  const dy = o.padding - top;
  const xOf = (c: number) => o.padding + c * (o.nodeWidth + o.columnGap);
  const columnOf = new Map(columns.flatMap((col, c) => col.map((it) => [it.id, c] as const)));

  const nodes: PlacedNode[] = columns.flatMap((col, c) =>
    col.filter((it) => it.node).map((it) => ({ node: it.node!, column: c, x: xOf(c), y: it.y + dy - it.height / 2, width: o.nodeWidth, height: it.height })),
  );
  const edges: RoutedEdge[] = chains.map(({ edge, ids }) => {
    const points: Point[] = [];
    ids.forEach((id, k) => {
      const it = items.get(id)!;
      const x = xOf(columnOf.get(id)!);
      const y = it.y + dy;
      if (k === 0) points.push({ x: x + o.nodeWidth, y });
      else if (k === ids.length - 1) points.push({ x, y });
      else points.push({ x, y }, { x: x + o.nodeWidth, y });
    });
    return { edge, points };
  });
  return {
    nodes,
    edges,
    width: xOf(columnCount - 1) + o.nodeWidth + o.padding,
    height: Number.isFinite(bottom - top) ? bottom - top + 2 * o.padding : 2 * o.padding,
  };
}

/** An SVG path through the points: horizontal S-curves between columns, straight through crossed ones. */
export function edgePath(points: readonly Point[]): string {
  if (points.length === 0) return '';
  let d = `M${points[0]!.x},${points[0]!.y}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (a.y === b.y) d += ` L${b.x},${b.y}`;
    else {
      const mid = (b.x - a.x) / 2;
      d += ` C${a.x + mid},${a.y} ${b.x - mid},${b.y} ${b.x},${b.y}`;
    }
  }
  return d;
}
