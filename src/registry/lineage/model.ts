import { z } from 'zod';

/** The lineage graph of a model version: what produced it (backward) and what serves it (forward). */

export const LINEAGE_NODE_KINDS = ['model_version', 'run', 'dataset', 'code', 'logged_model', 'parent_run', 'deployment'] as const;
export type LineageNodeKind = (typeof LINEAGE_NODE_KINDS)[number];

/**
 * Edge relations, read `from —relation→ to`: a version was `produced_by` a run and
 * `registered_from` a logged model; a run `consumed` datasets (and base models), `executed` code and
 * is a `child_of` its pipeline run; a logged model was `logged_by` a run; a deployment `serves` a version.
 */
export const LINEAGE_RELATIONS = ['produced_by', 'registered_from', 'logged_by', 'consumed', 'executed', 'child_of', 'serves'] as const;
export type LineageRelation = (typeof LINEAGE_RELATIONS)[number];

/** One entity in the graph; `id` is `<kind-ish>:<natural key>`, stable across calls. */
export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  label: string;
  data: Record<string, unknown>;
}

/** A directed relation between two nodes of the graph. */
export interface LineageEdge {
  from: string;
  to: string;
  relation: LineageRelation;
}

/** Whether the working tree had uncommitted changes; `unknown` when the run did not record it. */
export type DirtyFlag = boolean | 'unknown';

/** A version's lineage as `GET /api/v1/models/:name/versions/:version/lineage` returns it. */
export interface LineageGraph {
  /** Id of the version's node. */
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** Deployments serving the version (filled by serving; empty until it exists). */
  deployments: LineageNode[];
  note: string;
}

/** Run tags the mlflow client records about the code that ran. */
export const CODE_TAGS = {
  commit: 'mlflow.source.git.commit',
  repoUrl: 'mlflow.source.git.repoURL',
  legacyRepoUrl: 'mlflow.gitRepoURL',
  branch: 'mlflow.source.git.branch',
  entryPoint: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  dirty: 'mlflow.source.git.dirty',
} as const;

/** The dataset input tag that says how a run used a dataset (`training`, `eval`, …). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

// ---------- response schema (for the OpenAPI document) ----------

const NodeSchema = z.object({ id: z.string(), kind: z.enum(LINEAGE_NODE_KINDS), label: z.string(), data: z.record(z.string(), z.unknown()) });
export const LineageGraphSchema = z.object({
  root: z.string(),
  nodes: z.array(NodeSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string(), relation: z.enum(LINEAGE_RELATIONS) })),
  deployments: z.array(NodeSchema),
  note: z.string(),
});
