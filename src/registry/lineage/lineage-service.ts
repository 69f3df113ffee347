import { isAscentError } from '../../core/errors.js';
import type { LoggedModelService } from '../../tracking/logged-model-service.js';
import type { DatasetInput, KeyValue, LoggedModel, Run } from '../../tracking/model.js';
import type { TrackingService } from '../../tracking/service.js';
import type { ModelVersion } from '../model.js';
import type { RegistryService } from '../service.js';
import { CODE_TAGS, DATASET_CONTEXT_TAG, type DirtyFlag, type LineageEdge, type LineageGraph, type LineageNode, type LineageNodeKind, type LineageRelation } from './model.js';

/** The domains a lineage graph is assembled from. */
export interface LineageServiceOptions {
  registry: RegistryService;
  tracking: TrackingService;
  loggedModels: LoggedModelService;
}

/** Pipelines nest runs a few levels deep; a longer chain is a cycle or bad data, so the walk stops. */
const MAX_PARENT_DEPTH = 50;

/**
 * Traceability of a model version: version → run (params, metrics) → datasets, code, the parent
 * (pipeline) runs up to the root, and the logged model; forward to the deployments serving it.
 * Everything comes from records the tracking and registry domains already hold; nothing is guessed.
 */
export class LineageService {
  constructor(private readonly options: LineageServiceOptions) {}

  async forVersion(name: string, version: string): Promise<LineageGraph> {
    const v = await this.options.registry.getVersion(name, version);
    const graph = new GraphBuilder();
    const root = graph.node('model_version', `model_version:${v.name}/${v.version}`, `${v.name} v${v.version}`, versionData(v));
    if (v.runId) graph.edge(root, await this.addRun(graph, v.runId, 'run'), 'produced_by');
    if (v.loggedModelId) {
      const logged = await this.loggedModel(v.loggedModelId);
      const id = graph.node('logged_model', `logged_model:${v.loggedModelId}`, logged?.name ?? v.loggedModelId, loggedModelData(v.loggedModelId, logged));
      graph.edge(root, id, 'registered_from');
      if (logged?.sourceRunId) graph.edge(id, await this.addRun(graph, logged.sourceRunId, 'run'), 'logged_by');
    }
    return {
      root,
      nodes: graph.nodes,
      edges: graph.edges,
      deployments: [],
      note: 'No deployment serves this version: serving records deployments here once it exists.',
    };
  }

  /** Add a run (datasets, code, base models) and then its parent runs up to the root. Returns its node id. */
  private async addRun(graph: GraphBuilder, runId: string, kind: 'run' | 'parent_run'): Promise<string> {
    const id = `run:${runId}`;
    if (graph.has(id)) return id;
    let child = await this.addRunNode(graph, runId, kind);
    let childId = id;
    for (let depth = 0; child?.info.parentRunId && depth < MAX_PARENT_DEPTH; depth++) {
      const parentId = `run:${child.info.parentRunId}`;
      const walked = graph.has(parentId);
      graph.edge(childId, parentId, 'child_of');
      // An ancestor already in the graph has had its own ancestors walked (and a cycle ends here).
      if (walked) break;
      child = await this.addRunNode(graph, child.info.parentRunId, 'parent_run');
      childId = parentId;
    }
    return id;
  }

  private async addRunNode(graph: GraphBuilder, runId: string, kind: 'run' | 'parent_run'): Promise<Run | null> {
    const id = `run:${runId}`;
    const run = await this.run(runId);
    if (!run) {
      graph.node(kind, id, runId, { runId, missing: true });
      return null;
    }
    graph.node(kind, id, run.info.runName || runId, runData(run));
    for (const input of run.inputs.datasetInputs) graph.edge(id, graph.node('dataset', datasetId(input), `${input.dataset.name} (${input.dataset.digest})`, datasetData(input)), 'consumed');
    const code = codeNode(run);
    if (code) graph.edge(id, graph.node('code', code.id, code.label, code.data), 'executed');
    for (const { modelId } of run.inputs.modelInputs) {
      const logged = await this.loggedModel(modelId);
      graph.edge(id, graph.node('logged_model', `logged_model:${modelId}`, logged?.name ?? modelId, loggedModelData(modelId, logged)), 'consumed');
    }
    return run;
  }

  private async run(runId: string): Promise<Run | null> {
    return this.options.tracking.getRun(runId).catch((err: unknown) => {
      if (isAscentError(err) && err.code === 'NOT_FOUND') return null;
      throw err;
    });
  }

  private async loggedModel(modelId: string): Promise<LoggedModel | null> {
    return this.options.loggedModels.get(modelId).catch((err: unknown) => {
      if (isAscentError(err) && err.code === 'NOT_FOUND') return null;
      throw err;
    });
  }
}

/** Nodes deduplicated by id (a dataset two runs consumed is one node), edges by (from, to, relation). */
class GraphBuilder {
  readonly nodes: LineageNode[] = [];
  readonly edges: LineageEdge[] = [];
  private readonly ids = new Set<string>();
  private readonly edgeKeys = new Set<string>();

  has(id: string): boolean {
    return this.ids.has(id);
  }

  node(kind: LineageNodeKind, id: string, label: string, data: Record<string, unknown>): string {
    if (!this.ids.has(id)) {
      this.ids.add(id);
      this.nodes.push({ id, kind, label, data });
    }
    return id;
  }

  edge(from: string, to: string, relation: LineageRelation): void {
    const key = `${from}\u0000${to}\u0000${relation}`;
    if (this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    this.edges.push({ from, to, relation });
  }
}

const record = (pairs: KeyValue[]): Record<string, string> => Object.fromEntries(pairs.map((p) => [p.key, p.value]));

function versionData(v: ModelVersion): Record<string, unknown> {
  return { name: v.name, version: v.version, source: v.source, status: v.status, stage: v.currentStage, aliases: v.aliases, runId: v.runId, loggedModelId: v.loggedModelId, userId: v.userId, creationTime: v.creationTime };
}

function runData(run: Run): Record<string, unknown> {
  const { info } = run;
  return {
    runId: info.runId,
    name: info.runName,
    status: info.status,
    lifecycleStage: info.lifecycleStage,
    experimentId: info.experimentId,
    userId: info.userId,
    startTime: info.startTime,
    endTime: info.endTime,
    parentRunId: info.parentRunId,
    params: record(run.data.params),
    metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
  };
}

function datasetId(input: DatasetInput): string {
  return `dataset:${input.dataset.name}@${input.dataset.digest}`;
}

function datasetData(input: DatasetInput): Record<string, unknown> {
  const { dataset } = input;
  return { name: dataset.name, digest: dataset.digest, sourceType: dataset.sourceType, source: dataset.source, context: record(input.tags)[DATASET_CONTEXT_TAG] ?? null, schema: dataset.schema ?? null };
}

function loggedModelData(modelId: string, m: LoggedModel | null): Record<string, unknown> {
  if (!m) return { modelId, missing: true };
  return { modelId, name: m.name, status: m.status, modelType: m.modelType, artifactLocation: m.artifactLocation, sourceRunId: m.sourceRunId, experimentId: m.experimentId, params: record(m.params) };
}

/** The code a run executed, from the tags the mlflow client sets; null when it recorded none. */
function codeNode(run: Run): { id: string; label: string; data: Record<string, unknown> } | null {
  const tags = record(run.data.tags);
  const commit = tags[CODE_TAGS.commit] ?? null;
  const repoUrl = tags[CODE_TAGS.repoUrl] ?? tags[CODE_TAGS.legacyRepoUrl] ?? null;
  const entryPoint = tags[CODE_TAGS.entryPoint] ?? null;
  if (!commit && !repoUrl && !entryPoint) return null;
  const rawDirty = tags[CODE_TAGS.dirty]?.toLowerCase();
  const dirty: DirtyFlag = rawDirty === 'true' ? true : rawDirty === 'false' ? false : 'unknown';
  const data = { commit, repoUrl, branch: tags[CODE_TAGS.branch] ?? null, entryPoint, sourceType: tags[CODE_TAGS.sourceType] ?? null, dirty };
  // One commit of one repository is one node, whichever runs executed it; without a commit, the run's own code.
  const id = commit ? `code:${repoUrl ?? ''}@${commit}` : `code:run:${run.info.runId}`;
  const label = commit ? `${repoUrl ? repoUrl.replace(/\.git$/, '').split(/[/:]/).pop() : 'commit'}@${commit.slice(0, 12)}` : (entryPoint ?? 'code');
  return { id, label, data };
}
