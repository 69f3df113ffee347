import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import { buildMlModel, detectRuntime, parseMlModel, parseRequirements, parseSignature, serializeMlModel } from './manifest.js';

// Written by mlflow 3.17.2 `mlflow.sklearn.log_model(model, name="model", input_example=..., signature=...)`
// (iris LogisticRegression, signature with a param); only the local artifact_path is shortened.
const SKLEARN_MLMODEL = `artifact_path: mlflow-artifacts:/0/models/m-5b7d0f294ef24816bdb533581d3953b0/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.7.2
    skops_trusted_types: null
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: m-5b7d0f294ef24816bdb533581d3953b0
model_size_bytes: 11920
model_uuid: m-5b7d0f294ef24816bdb533581d3953b0
prompts: null
run_id: 1e4f0197e39541c1a696fa4067f5a47e
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}, {"type": "double", "name":
    "petal length (cm)", "required": true}, {"type": "double", "name": "petal width
    (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "threshold", "default": 0.5, "shape": null, "type": "double"}]'
type_hint_from_example: false
utc_time_created: '2026-11-22 14:50:12.160254'
`;

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as AscentError).code;
  }
  return 'NO_ERROR';
};

describe('MLmodel manifest', () => {
  it('reads the manifest mlflow 3 writes for sklearn: flavors, ids, signature JSON strings', () => {
    const m = parseMlModel(SKLEARN_MLMODEL);
    expect(Object.keys(m.flavors).sort()).toEqual(['python_function', 'sklearn']);
    expect(m.flavors.python_function).toMatchObject({ loader_module: 'mlflow.sklearn', model_path: 'model.skops' });
    expect(m).toMatchObject({ mlflow_version: '3.17.2', model_uuid: 'm-5b7d0f294ef24816bdb533581d3953b0', run_id: '1e4f0197e39541c1a696fa4067f5a47e', model_size_bytes: 11920 });
    expect(m.saved_input_example_info).toMatchObject({ artifact_path: 'input_example.json', serving_input_path: 'serving_input_example.json', type: 'dataframe' });
    // Keys Ascent does not model survive, so nothing MLflow wrote is lost.
    expect(m).toMatchObject({ is_signature_from_type_hint: false, prompts: null });

    const sig = parseSignature(m)!;
    // The folded YAML string decodes to one JSON document with the column name intact.
    expect(sig.inputs!.map((c) => c.name)).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    expect(sig.inputs![0]).toEqual({ type: 'double', name: 'sepal length (cm)', required: true });
    expect(sig.outputs).toEqual([{ type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] } }]);
    expect(sig.params).toEqual([{ name: 'threshold', default: 0.5, shape: null, type: 'double' }]);
    expect(detectRuntime(Object.keys(m.flavors))).toBe('python');
  });

  it('treats a manifest without a signature, or with null parts, as such', () => {
    const noSig = parseMlModel('flavors:\n  sklearn:\n    pickled_model: model.pkl\n');
    expect(parseSignature(noSig)).toBeNull();
    const partial = parseMlModel(`flavors:\n  python_function: {loader_module: x}\nsignature:\n  inputs: '[{"type": "string"}]'\n  outputs: null\n`);
    expect(parseSignature(partial)).toEqual({ inputs: [{ type: 'string' }], outputs: null, params: null });
  });

  it('refuses what is not a manifest, naming the field', () => {
    expect(codeOf(() => parseMlModel('flavors: [unclosed'))).toBe('INVALID_STATE');
    expect(codeOf(() => parseMlModel('artifact_path: x\n'))).toBe('INVALID_STATE');
    expect(() => parseMlModel('flavors: {}\n')).toThrow(/flavors/);
    expect(() => parseMlModel(`flavors:\n  sklearn: {}\nsignature:\n  inputs: 'not json'\n`)).toThrow(/signature.inputs is not a JSON string/);
    expect(() => parseMlModel(`flavors:\n  sklearn: {}\nsignature:\n  inputs: '[{"type": "tensor"}]'\n`)).toThrow(/tensor-spec/);
    // A runtime flavor may not point outside its package.
    expect(() => parseMlModel('flavors:\n  onnx:\n    data: ../../etc/passwd\n')).toThrow(/flavors.onnx.data/);
    expect(() => parseMlModel('flavors:\n  js: {}\n')).toThrow(/flavors.js.entry/);
    expect(codeOf(() => parseMlModel(`flavors:\n  x: {}\npad: '${'a'.repeat(1024 * 1024)}'\n`))).toBe('INVALID_STATE');
  });

  it('prefers onnx, then js, then python_function when choosing a runtime', () => {
    expect(detectRuntime(['python_function', 'onnx'])).toBe('onnx');
    expect(detectRuntime(['js', 'python_function'])).toBe('js');
    expect(detectRuntime(['python_function', 'sklearn'])).toBe('python');
    expect(detectRuntime(['sklearn'])).toBeNull();
  });

  it('writes manifests in MLflow layout that read back identically', () => {
    const signature = { inputs: [{ type: 'tensor', name: 'x', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }], outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] } }], params: null };
    const manifest = buildMlModel({ flavors: { onnx: { data: 'model.onnx', onnx_version: '1.17.0' } }, signature, created: new Date('2026-01-31T12:00:00.123Z'), sizeBytes: 42 });
    const text = serializeMlModel(manifest);
    // As MLflow stores it: signature parts are JSON strings inside the YAML.
    const raw = parse(text) as { signature: { inputs: string }; utc_time_created: string };
    expect(typeof raw.signature.inputs).toBe('string');
    expect(JSON.parse(raw.signature.inputs)).toEqual(signature.inputs);
    expect(raw.utc_time_created).toBe('2026-01-31 12:00:00.123000');
    expect(manifest.model_uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(parseSignature(parseMlModel(text))).toEqual(signature);
    expect(text.indexOf('flavors:')).toBeLessThan(text.indexOf('signature:'));
  });

  it('reads requirements.txt lines without comments, blanks or pip options', () => {
    expect(parseRequirements('mlflow==3.17.2\n# pinned\n\n-r base.txt\nscikit-learn==1.7.2  # sklearn\r\n')).toEqual(['mlflow==3.17.2', 'scikit-learn==1.7.2']);
  });
});
