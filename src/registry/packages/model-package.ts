import { invalid, invalidState, notFound } from '../../core/errors.js';
import type { ArtifactBody, ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { readBodyToBuffer } from '../../storage/artifacts/artifact-body.js';
import { joinArtifactPath, normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';
import {
  MAX_MLMODEL_BYTES,
  MLMODEL_FILE,
  REQUIREMENTS_FILE,
  buildMlModel,
  detectRuntime,
  flavorFiles,
  parseMlModel,
  parseRequirements,
  parseSignature,
  serializeMlModel,
  type MlModelManifest,
  type ModelSignature,
  type PackageRuntime,
} from './manifest.js';

/** One file of a package; `path` is relative to the package root. */
export interface PackageFile {
  path: string;
  size: number;
}

/** A model package read back: its manifest and what follows from it. */
export interface ModelPackage {
  manifest: MlModelManifest;
  flavors: string[];
  runtime: PackageRuntime | null;
  signature: ModelSignature | null;
  requirements: string[];
  files: PackageFile[];
  /** Files the flavors name that the package does not hold (a runtime would fail to load it). */
  problems: string[];
}

/** A package larger than this many files is refused rather than listed without end. */
export const MAX_PACKAGE_FILES = 10_000;

/** Read and validate the package whose `MLmodel` sits at `root` in the artifact store. */
export async function readModelPackage(artifacts: ArtifactStore, root: string): Promise<ModelPackage> {
  const base = normalizeArtifactPath(root);
  const manifest = await readManifest(artifacts, base);
  const files = await listPackageFiles(artifacts, base);
  const has = new Set(files.map((f) => f.path));
  const reqFile = files.find((f) => f.path === REQUIREMENTS_FILE);
  if (reqFile && reqFile.size > MAX_MLMODEL_BYTES) throw invalidState(`${REQUIREMENTS_FILE} at '${base}' is ${reqFile.size} bytes; refusing to read it`);
  const requirements = reqFile ? parseRequirements(await readText(artifacts, joinArtifactPath(base, REQUIREMENTS_FILE))) : [];
  const flavors = Object.keys(manifest.flavors).sort();
  return {
    manifest,
    flavors,
    runtime: detectRuntime(flavors),
    signature: parseSignature(manifest),
    requirements,
    files,
    problems: flavorFiles(manifest)
      .filter((f) => !has.has(f))
      .map((f) => `flavor file '${f}' is missing from the package`),
  };
}

/** Only the validated `MLmodel` at `root` (no listing): enough for the signature. */
export async function readManifest(artifacts: ArtifactStore, root: string): Promise<MlModelManifest> {
  const base = normalizeArtifactPath(root);
  const manifestPath = joinArtifactPath(base, MLMODEL_FILE);
  const stat = await artifacts.stat(manifestPath);
  if (!stat || stat.isDir) throw notFound(`No ${MLMODEL_FILE} manifest at '${base || '/'}': not a model package`);
  if (stat.size > MAX_MLMODEL_BYTES) throw invalidState(`${MLMODEL_FILE} at '${base}' is ${stat.size} bytes; a manifest is at most ${MAX_MLMODEL_BYTES}`);
  return parseMlModel(await readText(artifacts, manifestPath), `${MLMODEL_FILE} at '${base}'`);
}

/** Every file under `root`, recursively, sorted by path. */
export async function listPackageFiles(artifacts: ArtifactStore, root: string): Promise<PackageFile[]> {
  const base = normalizeArtifactPath(root);
  const prefix = base === '' ? '' : `${base}/`;
  const files: PackageFile[] = [];
  const pending = [base];
  while (pending.length > 0) {
    for (const entry of await artifacts.list(pending.shift()!)) {
      if (entry.isDir) pending.push(entry.path);
      else files.push({ path: entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : entry.path, size: entry.fileSize ?? 0 });
      if (files.length > MAX_PACKAGE_FILES) throw invalidState(`The package at '${base}' holds more than ${MAX_PACKAGE_FILES} files`);
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What goes into a package Ascent writes; the manifest is derived from it. */
export interface WriteModelPackageOptions {
  /** `{ onnx: { data: 'model.onnx' } }`, `{ js: { entry: 'model.mjs' } }`, or any MLflow flavors. */
  flavors: Record<string, Record<string, unknown>>;
  files: { path: string; body: ArtifactBody }[];
  signature?: ModelSignature | null;
  /** Lines of `requirements.txt` (omitted when not given). */
  requirements?: string[];
  /** Stored as `input_example.json` and recorded in `saved_input_example_info`. */
  inputExample?: unknown;
  runId?: string | null;
  modelId?: string | null;
  artifactPath?: string | null;
  modelUuid?: string;
  created?: Date;
  metadata?: Record<string, unknown> | null;
}

const INPUT_EXAMPLE_FILE = 'input_example.json';

/**
 * Write a package at `root`: payload files first, the `MLmodel` manifest last, so a reader that
 * finds the manifest finds a complete package. Refuses flavors that name files it was not given.
 */
export async function writeModelPackage(artifacts: ArtifactStore, root: string, options: WriteModelPackageOptions): Promise<{ manifest: MlModelManifest; files: PackageFile[] }> {
  const base = normalizeArtifactPath(root);
  const payload = options.files.map((f) => ({ path: normalizeArtifactPath(f.path), body: f.body }));
  const extra: { path: string; body: Buffer }[] = [];
  if (options.requirements) extra.push({ path: REQUIREMENTS_FILE, body: Buffer.from(options.requirements.map((r) => `${r}\n`).join('')) });
  if (options.inputExample !== undefined) extra.push({ path: INPUT_EXAMPLE_FILE, body: Buffer.from(JSON.stringify(options.inputExample)) });
  const names = [...payload, ...extra].map((f) => f.path);
  for (const name of names) {
    if (name === '' || name === MLMODEL_FILE) throw invalid(`Package file '${name}' is reserved or empty`, 'files');
    if (names.indexOf(name) !== names.lastIndexOf(name)) throw invalid(`Package file '${name}' is given twice`, 'files');
  }
  // Validate the manifest before anything is written: a bad flavor stores nothing.
  const draft = buildMlModel(manifestSpec(options, 0));
  for (const needed of flavorFiles(draft)) {
    if (!names.includes(needed)) throw invalid(`Flavor file '${needed}' is not among the package files`, 'flavors');
  }
  const written: PackageFile[] = [];
  for (const file of [...payload, ...extra]) {
    const { size } = await artifacts.put(joinArtifactPath(base, file.path), file.body);
    written.push({ path: file.path, size });
  }
  const manifest = buildMlModel({ ...manifestSpec(options, written.reduce((sum, f) => sum + f.size, 0)), modelUuid: draft.model_uuid! });
  const text = serializeMlModel(manifest);
  await artifacts.put(joinArtifactPath(base, MLMODEL_FILE), text);
  written.push({ path: MLMODEL_FILE, size: Buffer.byteLength(text) });
  return { manifest, files: written.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

function manifestSpec(o: WriteModelPackageOptions, sizeBytes: number): Parameters<typeof buildMlModel>[0] {
  return {
    flavors: o.flavors,
    signature: o.signature ?? null,
    inputExample: o.inputExample !== undefined ? { path: INPUT_EXAMPLE_FILE, type: 'json_object' } : null,
    ...(o.modelUuid ? { modelUuid: o.modelUuid } : {}),
    runId: o.runId ?? null,
    modelId: o.modelId ?? null,
    artifactPath: o.artifactPath ?? null,
    sizeBytes,
    ...(o.created ? { created: o.created } : {}),
    metadata: o.metadata ?? null,
  };
}

async function readText(artifacts: ArtifactStore, path: string): Promise<string> {
  return (await readBodyToBuffer(await artifacts.get(path))).toString('utf8');
}
