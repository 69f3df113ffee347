import { describe, expect, it } from 'vitest';
import type { AscentError } from '../core/errors.js';
import { definePipeline } from './define-pipeline.js';
import { parsePipelineYaml, resolveParams } from './parse-pipeline.js';

const error = (yaml: string): { message: string; field: string | undefined; code: string } => {
  try {
    parsePipelineYaml(yaml, { file: 'p.yaml' });
  } catch (err) {
    const e = err as AscentError;
    return { message: e.message, field: e.field, code: e.code };
  }
  throw new Error('expected a validation error');
};

const base = `name: demo
params:
  lr: { type: number, default: 0.1 }
  seeds: { type: list, default: [1, 2] }
datasets:
  cars: data/cars.json
steps:
  prep:
    run: node prep.mjs
    inputs: { raw: datasets.cars }
    outputs: { train: train.json }
`;

describe('pipeline definition validation', () => {
  it('accepts a valid file with defaults applied', () => {
    const spec = parsePipelineYaml(`${base}  train:\n    function: { module: steps.ts, export: train }\n    inputs: { data: steps.prep.outputs.train }\n    foreach: params.seeds\n    retries: { max: 2, backoff: 1s }\n    timeout: 5m\n`);
    expect(spec.steps.train!.function).toEqual({ module: 'steps.ts', export: 'train' });
    expect(spec.steps.prep!.needs).toEqual([]);
  });

  it('names the line and field of an unknown step reference', () => {
    const e = error(`${base}  train:\n    run: python train.py\n    inputs:\n      data: steps.prepare.outputs.train\n`);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'steps.train.inputs.data' });
    expect(e.message).toBe("p.yaml:15: steps.train.inputs.data: unknown step 'prepare'");
  });

  it('reports an unknown output, dataset and needs entry', () => {
    expect(error(`${base}  train:\n    run: x\n    inputs: { d: steps.prep.outputs.test }\n`).message).toContain("step 'prep' has no output 'test'");
    expect(error(`${base}  train:\n    run: x\n    inputs: { d: datasets.boats }\n`).message).toContain("unknown dataset 'boats'");
    expect(error(`${base}  train:\n    run: x\n    needs: [nope]\n`).field).toBe('steps.train.needs.0');
  });

  it('finds cycles', () => {
    const e = error('name: c\nsteps:\n  a: { run: x, needs: [b] }\n  b: { run: x, needs: [c] }\n  c: { run: x, needs: [a] }\n');
    expect(e.message).toMatch(/dependency cycle: (a → b → c → a|a → c → b → a)/);
    expect(e.message).toMatch(/^p\.yaml:3:/);
  });

  it('checks parameter types, foreach targets and placeholders', () => {
    expect(error('name: t\nparams:\n  n: { type: integer, default: 1.5 }\nsteps:\n  a: { run: x }\n')).toMatchObject({ field: 'params.n.default', message: 'p.yaml:3: params.n.default: default must be an integer, got 1.5' });
    expect(error(`${base}  t:\n    run: x\n    foreach: params.lr\n`).message).toContain('foreach needs a list');
    expect(error(`${base}  t:\n    run: x \${params.missing}\n`).message).toContain("unknown parameter 'missing'");
    expect(error(`${base}  t:\n    run: x \${item}\n`).message).toContain('only defined in a foreach step');
  });

  it('refuses unknown fields and steps with no or two kinds', () => {
    expect(error(`${base}  t:\n    run: x\n    retires: 3\n`)).toMatchObject({ field: 'steps.t', message: "p.yaml:14: steps.t: unknown field(s) 'retires'" });
    expect(error(`${base}  t:\n    inputs: {}\n`).message).toContain("exactly one of 'run', 'function' or 'register'");
    expect(error('name: bad name\nsteps:\n  a: { run: x }\n').field).toBe('name');
  });

  it('keeps outputs inside the step folder', () => {
    expect(error(`${base}  t:\n    run: x\n    outputs: { o: ../../etc/passwd }\n`)).toMatchObject({ field: 'steps.t.outputs.o' });
    expect(error(`${base}  t:\n    run: x\n    outputs: { o: { path: /tmp/x } }\n`).message).toContain("must stay inside the step's output folder");
  });

  it('reports YAML syntax errors with their line', () => {
    expect(error('name: x\nsteps:\n  a: { run: [ }\n').message).toMatch(/^p\.yaml:3: YAML syntax error/);
  });

  it('validates register gates', () => {
    const e = error(`${base}  reg:\n    register: { model: steps.prep.outputs.train, name: m, when: "accuracy about 0.9" }\n`);
    expect(e.field).toBe('steps.reg.register.when');
  });

  it('resolves run params: coerces strings, refuses missing ones', () => {
    const spec = parsePipelineYaml(`${base}`);
    expect(resolveParams(spec, { lr: '0.5', seeds: '3,4' })).toEqual({ lr: 0.5, seeds: ['3', '4'] });
    expect(resolveParams(spec, { seeds: '[3,4]' })).toEqual({ lr: 0.1, seeds: [3, 4] });
  });

  it('definePipeline validates the same way and names the field', () => {
    const ok = definePipeline({ name: 'ts', params: { n: { type: 'integer', default: 2 } }, steps: { a: { function: { module: './steps.ts', export: 'a' }, outputs: { o: 'o.txt' } }, b: { run: ['node', 'b.mjs'], inputs: { x: 'steps.a.outputs.o' } } } });
    expect(Object.keys(ok.steps)).toEqual(['a', 'b']);
    // The compiler refuses the unknown reference too; at run time the validator does.
    // @ts-expect-error -- 'steps.a.outputs.o' names no step of this pipeline
    expect(() => definePipeline({ name: 'ts', steps: { b: { run: 'x', inputs: { x: 'steps.a.outputs.o' } } } })).toThrow("steps.b.inputs.x: unknown step 'a'");
  });
});
