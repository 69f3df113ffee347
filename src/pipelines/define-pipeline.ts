import type { PipelineSpec, PipelineSpecInput, StepSpec } from './model.js';
import { validatePipeline } from './parse-pipeline.js';

type ParamTypes = { string: string; number: number; integer: number; boolean: boolean; list: (string | number | boolean)[] };

/** Step references a typed definition may use: declared outputs and datasets. */
type OutputRef<S> = { [K in keyof S]: S[K] extends { outputs: infer O } ? `steps.${K & string}.outputs.${keyof O & string}` : never }[keyof S];
type DatasetRef<D> = `datasets.${keyof D & string}`;

/** A step of a typed definition: inputs may only name outputs of the pipeline's steps or its datasets. */
export type TypedStep<S, D, P> = Omit<StepSpec, 'inputs' | 'foreach' | 'params' | 'needs'> & {
  inputs?: Record<string, OutputRef<S> | DatasetRef<D>>;
  foreach?: `params.${keyof P & string}`;
  params?: (keyof P & string)[];
  needs?: (keyof S & string)[];
};

/** Input of `definePipeline`: the YAML file's structure, with references checked by the compiler. */
export interface TypedPipeline<P extends Record<string, { type: keyof ParamTypes }>, D extends Record<string, unknown>, S extends Record<string, unknown>> {
  name: string;
  description?: string;
  experiment?: string;
  concurrency?: number;
  lockfile?: string;
  params?: { [K in keyof P]: { type: P[K]['type']; default?: ParamTypes[P[K]['type']]; description?: string } };
  datasets?: D;
  steps: { [K in keyof S]: TypedStep<S, D, P> & S[K] };
}

/**
 * The TypeScript form of a pipeline file. It is validated exactly like YAML (unknown references,
 * cycles, parameter types) and returns the same definition, which `ascent pipelines run` accepts
 * from a module's default export.
 */
export function definePipeline<
  P extends Record<string, { type: keyof ParamTypes }> = Record<never, never>,
  D extends Record<string, string | { path?: string; uri?: string; description?: string }> = Record<never, never>,
  S extends Record<string, unknown> = Record<string, unknown>,
>(definition: TypedPipeline<P, D, S>): PipelineSpec {
  return validatePipeline(definition as unknown as PipelineSpecInput, { source: `pipeline ${definition.name}` });
}

export type { StepContext, StepFunction } from './step-function.js';
