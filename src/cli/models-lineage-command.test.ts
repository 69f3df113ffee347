import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '../sdk/index.js';
import { renderLineageTree } from './models-lineage-command.js';

// The shape the server's LineageService builds (see registry/lineage/model.ts).
const graph: LineageGraph = {
  root: 'model_version:churn/3',
  nodes: [
    { id: 'model_version:churn/3', kind: 'model_version', label: 'churn v3', data: { stage: 'None', aliases: ['prod'] } },
    { id: 'run:r1', kind: 'run', label: 'train', data: { runId: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', status: 'FINISHED' } },
    { id: 'dataset:customers@d1', kind: 'dataset', label: 'customers (d1)', data: { context: 'training', source: 's3://data/customers.parquet' } },
    { id: 'code:repo@abc', kind: 'code', label: 'churn@abc123def456', data: { commit: 'abc123def456', entryPoint: 'train.py', dirty: true } },
    { id: 'run:p1', kind: 'parent_run', label: 'pipeline', data: { runId: 'ffffeeeeddddccccbbbbaaaa99998888', status: 'FINISHED' } },
    { id: 'logged_model:m-1', kind: 'logged_model', label: 'churn-model', data: {} },
  ],
  edges: [
    { from: 'model_version:churn/3', to: 'run:r1', relation: 'produced_by' },
    { from: 'run:r1', to: 'dataset:customers@d1', relation: 'consumed' },
    { from: 'run:r1', to: 'code:repo@abc', relation: 'executed' },
    { from: 'run:r1', to: 'run:p1', relation: 'child_of' },
    // Bad data: a parent pointing back at its child must not loop.
    { from: 'run:p1', to: 'run:r1', relation: 'child_of' },
    { from: 'model_version:churn/3', to: 'logged_model:m-1', relation: 'registered_from' },
    { from: 'logged_model:m-1', to: 'run:r1', relation: 'logged_by' },
  ],
  deployments: [],
  note: 'No deployment serves this version.',
};

describe('renderLineageTree', () => {
  it('draws the graph as a tree from the version, expanding each node once', () => {
    expect(renderLineageTree(graph).split('\n')).toEqual([
      'model version churn v3 [@prod]',
      '├─ produced_by → run train [a1b2c3d4…, FINISHED]',
      '│  ├─ consumed → dataset customers (d1) [training, s3://data/customers.parquet]',
      '│  ├─ executed → code churn@abc123def456 [uncommitted changes, train.py]',
      '│  └─ child_of → parent run pipeline [ffffeeee…, FINISHED]',
      '│     └─ child_of → run train [a1b2c3d4…, FINISHED] (see above)',
      '└─ registered_from → logged model churn-model',
      '   └─ logged_by → run train [a1b2c3d4…, FINISHED] (see above)',
      '',
      'Deployments: none. No deployment serves this version.',
    ]);
  });

  it('lists the deployments serving the version', () => {
    const served = { ...graph, deployments: [{ id: 'deployment:d1', kind: 'deployment' as const, label: 'churn-prod', data: {} }] };
    expect(renderLineageTree(served).split('\n').slice(-2)).toEqual(['Deployments:', '  deployment churn-prod']);
  });
});
