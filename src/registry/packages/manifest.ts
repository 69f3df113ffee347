import { randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { invalidState } from '../../core/errors.js';
import { normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';

/**
 * The `MLmodel` manifest of a model package, as MLflow writes it: YAML whose `signature` holds JSON
 * strings (`inputs: '[{"type": "double", "name": "x"}]'`). Ascent reads MLflow's packages and writes
 * its own (`onnx`, `js` flavors) in the same shape, so one reader and one format serve both.
 */

export const MLMODEL_FILE = 'MLmodel';
export const REQUIREMENTS_FILE = 'requirements.txt';
/** A manifest is metadata; anything this large is not one. */
export const MAX_MLMODEL_BYTES = 1024 * 1024;

/** Runtimes that can serve a package, from its flavors. */
export type PackageRuntime = 'onnx' | 'js' | 'python';

/** One column (`{type, name?, required?}`) or tensor (`{type: 'tensor', 'tensor-spec': {dtype, shape}}`) of a signature. */
export const SignatureSpec = z
  .looseObject({
    type: z.string().min(1),
    name: z.string().optional(),
    required: z.boolean().optional(),
    'tensor-spec': z.object({ dtype: z.string().min(1), shape: z.array(z.number().int()).nullable().optional() }).optional(),
  })
  .refine((s) => s.type !== 'tensor' || s['tensor-spec'] !== undefined, "a 'tensor' spec needs 'tensor-spec' with its dtype");
export type SignatureSpec = z.infer<typeof SignatureSpec>;

/** One inference parameter (`{name, type, default, shape}`) of a signature. */
export const ParamSpec = z.looseObject({ name: z.string().min(1), type: z.string().min(1), default: z.unknown().optional(), shape: z.array(z.number().int()).nullable().optional() });
export type ParamSpec = z.infer<typeof ParamSpec>;

/** A signature with its JSON strings parsed. */
export interface ModelSignature {
  inputs: SignatureSpec[] | null;
  outputs: SignatureSpec[] | null;
  params: ParamSpec[] | null;
}

const relativeFile = z.string().min(1).refine((p) => {
  try {
    return normalizeArtifactPath(p) !== '';
  } catch {
    return false;
  }
}, 'must be a relative path inside the package');

/** Flavors whose configuration Ascent's runtimes rely on are checked; all others pass through. */
const KNOWN_FLAVORS: Record<string, z.ZodType> = {
  onnx: z.looseObject({ data: relativeFile }),
  js: z.looseObject({ entry: relativeFile }),
  python_function: z.looseObject({ loader_module: z.string().nullish() }),
};

const signatureField = z.string().nullish();

/** The manifest as stored; unknown keys are kept, so a round trip loses nothing MLflow wrote. */
export const MlModelManifest = z
  .looseObject({
    artifact_path: z.string().nullish(),
    flavors: z.record(z.string().min(1), z.record(z.string(), z.unknown()).nullable()),
    model_uuid: z.string().nullish(),
    model_id: z.string().nullish(),
    run_id: z.string().nullish(),
    mlflow_version: z.string().nullish(),
    utc_time_created: z.string().nullish(),
    model_size_bytes: z.number().int().nonnegative().nullish(),
    signature: z.looseObject({ inputs: signatureField, outputs: signatureField, params: signatureField }).nullish(),
    saved_input_example_info: z.looseObject({ artifact_path: relativeFile, type: z.string().nullish(), serving_input_path: relativeFile.nullish() }).nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  })
  .superRefine((m, ctx) => {
    if (Object.keys(m.flavors).length === 0) ctx.addIssue({ code: 'custom', path: ['flavors'], message: 'must name at least one flavor' });
    for (const [name, schema] of Object.entries(KNOWN_FLAVORS)) {
      if (!(name in m.flavors)) continue;
      const result = schema.safeParse(m.flavors[name] ?? {});
      for (const issue of result.success ? [] : result.error.issues) ctx.addIssue({ code: 'custom', path: ['flavors', name, ...issue.path.map(String)], message: issue.message });
    }
  });
export type MlModelManifest = z.infer<typeof MlModelManifest>;

/** Parse and validate the text of an `MLmodel` file; a bad manifest is INVALID_STATE naming the field. */
export function parseMlModel(text: string, where = MLMODEL_FILE): MlModelManifest {
  if (Buffer.byteLength(text) > MAX_MLMODEL_BYTES) throw invalidState(`${where} is larger than ${MAX_MLMODEL_BYTES} bytes; it is not a model manifest`);
  let doc: unknown;
  try {
    // The core schema knows no custom tags, so a manifest cannot construct objects; aliases are capped.
    doc = parse(text, { schema: 'core', maxAliasCount: 100 });
  } catch (err) {
    throw invalidState(`${where} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = MlModelManifest.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidState(`${where} is not a valid model manifest: field '${issue.path.join('.') || '(root)'}' ${issue.message}`);
  }
  parseSignature(result.data, where);
  return result.data;
}

/** The manifest's signature with its JSON strings decoded and checked, or null when it has none. */
export function parseSignature(manifest: MlModelManifest, where = MLMODEL_FILE): ModelSignature | null {
  const sig = manifest.signature;
  if (!sig) return null;
  const decode = <T extends z.ZodType>(field: 'inputs' | 'outputs' | 'params', schema: T): z.infer<T>[] | null => {
    const raw = sig[field];
    if (raw === null || raw === undefined || raw === '') return null;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw invalidState(`${where} signature.${field} is not a JSON string`);
    }
    const result = z.array(schema).safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw invalidState(`${where} signature.${field}[${issue.path.join('.')}] ${issue.message}`);
    }
    return result.data;
  };
  return { inputs: decode('inputs', SignatureSpec), outputs: decode('outputs', SignatureSpec), params: decode('params', ParamSpec) };
}

/** The runtime that should serve a package with these flavors: onnx > js > python_function. */
export function detectRuntime(flavors: readonly string[]): PackageRuntime | null {
  if (flavors.includes('onnx')) return 'onnx';
  if (flavors.includes('js')) return 'js';
  if (flavors.includes('python_function')) return 'python';
  return null;
}

/** Package files named by the flavors a runtime loads (`onnx.data`, `js.entry`). */
export function flavorFiles(manifest: MlModelManifest): string[] {
  const files: string[] = [];
  const onnx = manifest.flavors.onnx?.data;
  const js = manifest.flavors.js?.entry;
  if (typeof onnx === 'string') files.push(normalizeArtifactPath(onnx));
  if (typeof js === 'string') files.push(normalizeArtifactPath(js));
  return files;
}

/** Requirement lines of a `requirements.txt`, without comments, blanks and pip options. */
export function parseRequirements(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('-'));
}

/** What `buildMlModel` needs: the rest of the manifest is derived. */
export interface ManifestSpec {
  flavors: Record<string, Record<string, unknown>>;
  signature?: ModelSignature | null;
  inputExample?: { path: string; type: string } | null;
  modelUuid?: string;
  runId?: string | null;
  modelId?: string | null;
  artifactPath?: string | null;
  sizeBytes?: number;
  created?: Date;
  metadata?: Record<string, unknown> | null;
}

/** A manifest in MLflow's layout: signature parts as JSON strings, keys sorted as PyYAML dumps them. */
export function buildMlModel(spec: ManifestSpec): MlModelManifest {
  const json = (v: unknown[] | null | undefined) => (v ? JSON.stringify(v) : null);
  const manifest: Record<string, unknown> = {
    flavors: spec.flavors,
    model_uuid: spec.modelUuid ?? randomUUID().replaceAll('-', ''),
    utc_time_created: utcTimeCreated(spec.created ?? new Date()),
  };
  if (spec.artifactPath) manifest.artifact_path = spec.artifactPath;
  if (spec.runId) manifest.run_id = spec.runId;
  if (spec.modelId) manifest.model_id = spec.modelId;
  if (spec.sizeBytes !== undefined) manifest.model_size_bytes = spec.sizeBytes;
  if (spec.signature) manifest.signature = { inputs: json(spec.signature.inputs), outputs: json(spec.signature.outputs), params: json(spec.signature.params) };
  if (spec.inputExample) manifest.saved_input_example_info = { artifact_path: spec.inputExample.path, type: spec.inputExample.type };
  if (spec.metadata) manifest.metadata = spec.metadata;
  const result = MlModelManifest.safeParse(manifest);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidState(`Model manifest field '${issue.path.join('.')}' ${issue.message}`);
  }
  return result.data;
}

export function serializeMlModel(manifest: MlModelManifest): string {
  return stringify(manifest, { sortMapEntries: true, lineWidth: 0 });
}

/** `2026-01-31 12:00:00.123000`, the `str(datetime.utcnow())` form MLflow records. */
function utcTimeCreated(date: Date): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}
