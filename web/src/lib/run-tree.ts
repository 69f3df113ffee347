import type { Run } from '../api';

/** A run placed in the table: its nesting depth and whether it has children among the loaded runs. */
export interface RunRow {
  run: Run;
  depth: number;
  childCount: number;
  /** Set when the run's parent is not among the loaded rows. */
  orphanOf: string | null;
}

/**
 * Order runs so each child follows its parent, keeping the server's order among siblings.
 * Children whose parent is collapsed are left out; cycles (not expected) are broken by
 * treating the run as a top-level row.
 */
export function buildRunRows(runs: readonly Run[], collapsed: ReadonlySet<string> = new Set()): RunRow[] {
  const byId = new Map(runs.map((r) => [r.info.runId, r]));
  const children = new Map<string, Run[]>();
  const roots: Run[] = [];
  for (const run of runs) {
    const parent = run.info.parentRunId;
    if (parent && parent !== run.info.runId && byId.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(run);
      children.set(parent, list);
    } else {
      roots.push(run);
    }
  }
  const rows: RunRow[] = [];
  const placed = new Set<string>();
  const visit = (run: Run, depth: number) => {
    if (placed.has(run.info.runId)) return;
    placed.add(run.info.runId);
    const kids = children.get(run.info.runId) ?? [];
    const parent = run.info.parentRunId;
    rows.push({ run, depth, childCount: kids.length, orphanOf: parent && !byId.has(parent) ? parent : null });
    if (collapsed.has(run.info.runId)) {
      for (const k of kids) markPlaced(k);
      return;
    }
    for (const kid of kids) visit(kid, depth + 1);
  };
  const markPlaced = (run: Run) => {
    placed.add(run.info.runId);
    for (const k of children.get(run.info.runId) ?? []) markPlaced(k);
  };
  for (const root of roots) visit(root, 0);
  // Runs only reachable through a cycle of parents.
  for (const run of runs) if (!placed.has(run.info.runId)) visit(run, 0);
  return rows;
}

/** Metric and param keys seen across the loaded runs, sorted. */
export function keysSeen(runs: readonly Run[]): { metrics: string[]; params: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  for (const run of runs) {
    for (const m of run.data.metrics) metrics.add(m.key);
    for (const p of run.data.params) params.add(p.key);
  }
  return { metrics: [...metrics].sort(), params: [...params].sort() };
}
