import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../core/errors.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { listFiles, pathDigest } from './content-digest.js';
import type { PipelineSpec } from './model.js';
import type { StepTaskInput } from './step-executor.js';

/** A dataset input frozen for one run: where it came from and its stored, digested copy. */
export interface DatasetSnapshot extends StepTaskInput {
  source: string;
  sizeBytes: number;
}

/** Local path of a dataset declared by path or `file://` URI, relative to the pipeline folder. */
export function datasetPath(spec: PipelineSpec, name: string, baseDir: string): string {
  const d = spec.datasets[name]!;
  const ref = typeof d === 'string' ? d : d.path ?? d.uri ?? '';
  if (ref.startsWith('file:')) return fileURLToPath(ref);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(ref)) throw invalid(`datasets.${name}: only local paths and file:// URIs can be read by the local executor (got '${ref}')`, `datasets.${name}`);
  return path.resolve(baseDir, ref);
}

/**
 * Digest each dataset the run reads and store a content-addressed copy, so every step (on this
 * machine or a worker) reads exactly the bytes whose digest entered its cache key.
 */
export async function snapshotDatasets(spec: PipelineSpec, names: string[], baseDir: string, artifacts: ArtifactStore): Promise<Map<string, DatasetSnapshot>> {
  const out = new Map<string, DatasetSnapshot>();
  for (const name of names) {
    const local = datasetPath(spec, name, baseDir);
    if (!fs.existsSync(local)) throw invalid(`datasets.${name}: '${local}' does not exist`, `datasets.${name}`);
    const { digest, sizeBytes, isDir } = await pathDigest(local);
    const artifactPath = `pipeline-datasets/${digest.slice('sha256:'.length)}/${path.basename(local)}`;
    if (!(await artifacts.stat(artifactPath))) {
      if (!isDir) await artifacts.put(artifactPath, fs.createReadStream(local), { contentLength: sizeBytes });
      else for (const rel of await listFiles(local)) await artifacts.put(`${artifactPath}/${rel}`, fs.createReadStream(path.join(local, rel)));
    }
    out.set(name, { name, artifactPath, digest, isDir, source: local, sizeBytes });
  }
  return out;
}
