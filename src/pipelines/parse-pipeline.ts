import path from 'node:path';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { AscentError } from '../core/errors.js';
import { PipelineSpec, type ParamSpec, type ParamValue, type PipelineSpecInput } from './model.js';
import { parseRef, templateRefs } from './refs.js';

/** Maps a field path to a `line N` description, when the definition came from a file. */
type Locate = (path: (string | number)[]) => string | null;

function fail(message: string, path: (string | number)[], locate: Locate | null, source: string, at: (string | number)[] = path): never {
  const field = path.join('.');
  const where = locate?.(at);
  const prefix = where ? `${source}:${where}: ` : '';
  throw new AscentError('INVALID_ARGUMENT', `${prefix}${field ? `${field}: ` : ''}${message}`, field ? { field } : {});
}

/** Parse and validate a YAML pipeline file; errors name the line and field. */
export function parsePipelineYaml(text: string, options: { file?: string } = {}): PipelineSpec {
  const source = options.file ?? 'pipeline.yaml';
  if (text.length > 1_000_000) fail('pipeline file is larger than 1 MB', [], null, source);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new AscentError('INVALID_ARGUMENT', `${source}:${pos.line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const locate: Locate = (path) => {
    const offset = locateOffset(doc, path);
    return offset === null ? null : String(lineCounter.linePos(offset).line);
  };
  return validatePipeline(doc.toJS({ maxAliasCount: 100 }) as unknown, { locate, source });
}

function locateOffset(doc: Document, path: (string | number)[]): number | null {
  // Walk down as far as the path exists, so an unknown key still points at its parent's line.
  let node: unknown = doc.contents;
  let best: number | null = isNode(node) && node.range ? node.range[0] : null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) best = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (isNode(node) && node.range) best = node.range[0];
    } else break;
  }
  return best;
}

/** Validate a definition object (from YAML or `definePipeline`): shape, references, types, cycles. */
export function validatePipeline(raw: unknown, options: { locate?: Locate; source?: string } = {}): PipelineSpec {
  const locate = options.locate ?? null;
  const source = options.source ?? 'pipeline';
  const parsed = PipelineSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
    fail(message, path, locate, source, issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path);
  }
  const spec = parsed.data;
  const err = (message: string, path: (string | number)[]): never => fail(message, path, locate, source);

  for (const [name, p] of Object.entries(spec.params)) {
    if (p.default !== undefined) {
      const problem = typeProblem(p, p.default);
      if (problem) err(`default ${problem}`, ['params', name, 'default']);
    }
  }
  const stepNames = new Set(Object.keys(spec.steps));
  for (const [name, step] of Object.entries(spec.steps)) {
    const at = (...rest: (string | number)[]) => ['steps', name, ...rest];
    const kinds = [step.run !== undefined && 'run', step.function !== undefined && 'function', step.register !== undefined && 'register'].filter(Boolean);
    if (kinds.length !== 1) err(`a step needs exactly one of 'run', 'function' or 'register' (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`, at());
    if (step.register && Object.keys(step.outputs).length > 0) err('a register step has no outputs', at('outputs'));
    const checkRef = (ref: string, path: (string | number)[]): void => {
      const r = parseRef(ref);
      if (!r) return err(`'${ref}' is not a reference; use steps.<step>.outputs.<output> or datasets.<name>`, path);
      if (r.kind === 'dataset') {
        if (!(r.name in spec.datasets)) err(`unknown dataset '${r.name}'`, path);
        return;
      }
      if (r.kind !== 'output') return err(`'${ref}' must reference a step output or a dataset`, path);
      if (!stepNames.has(r.step)) return err(`unknown step '${r.step}'`, path);
      if (r.step === name) return err('a step cannot read its own output', path);
      if (!(r.output in spec.steps[r.step]!.outputs)) err(`step '${r.step}' has no output '${r.output}'`, path);
    };
    for (const [input, ref] of Object.entries(step.inputs)) checkRef(ref, at('inputs', input));
    for (const [output, o] of Object.entries(step.outputs)) {
      const rel = typeof o === 'string' ? o : o.path;
      // Outputs live inside the step's output folder: no absolute paths, no way out with '..'.
      if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..') || rel.includes('\0')) err(`output path '${rel}' must stay inside the step's output folder`, at('outputs', output));
    }
    if (step.register) {
      checkRef(step.register.model, at('register', 'model'));
      for (const [i, cond] of (Array.isArray(step.register.when) ? step.register.when : step.register.when ? [step.register.when] : []).entries()) {
        if (!parseGate(cond)) err(`'${cond}' is not a metric condition like 'accuracy >= 0.9'`, at('register', 'when', ...(Array.isArray(step.register.when) ? [i] : [])));
      }
    }
    step.needs.forEach((dep, i) => {
      if (!stepNames.has(dep)) err(`unknown step '${dep}'`, at('needs', i));
    });
    (step.params ?? []).forEach((p, i) => {
      if (!(p in spec.params)) err(`unknown parameter '${p}'`, at('params', i));
    });
    if (step.foreach !== undefined) {
      const r = parseRef(step.foreach);
      if (!r || r.kind !== 'param') err(`foreach must reference a list parameter as params.<name>`, at('foreach'));
      else if (!spec.params[r.name]) err(`unknown parameter '${r.name}'`, at('foreach'));
      else if (spec.params[r.name]!.type !== 'list') err(`parameter '${r.name}' is a ${spec.params[r.name]!.type}, foreach needs a list`, at('foreach'));
    }
    const templates: [string, (string | number)[]][] = [];
    if (typeof step.run === 'string') templates.push([step.run, at('run')]);
    else step.run?.forEach((a, i) => templates.push([a, at('run', i)]));
    for (const [k, v] of Object.entries(step.env)) templates.push([v, at('env', k)]);
    for (const [text, path] of templates) {
      for (const ref of templateRefs(text)) {
        if (ref === 'item') {
          if (step.foreach === undefined) err("'${item}' is only defined in a foreach step", path);
        } else if (ref.startsWith('params.')) {
          if (!(ref.slice(7) in spec.params)) err(`unknown parameter '${ref.slice(7)}'`, path);
        } else err(`unknown placeholder '\${${ref}}'; use \${params.<name>} or \${item}`, path);
      }
    }
  }
  const cycle = findCycle(spec);
  if (cycle) err(`dependency cycle: ${cycle.join(' → ')}`, ['steps', cycle[0]!]);
  return spec;
}

/** Upstream step names of a step: from inputs, the register model and `needs`. */
export function upstreamOf(spec: PipelineSpec, stepName: string): string[] {
  const step = spec.steps[stepName]!;
  const refs = [...Object.values(step.inputs), ...(step.register ? [step.register.model] : [])];
  const deps = new Set(step.needs);
  for (const ref of refs) {
    const r = parseRef(ref);
    if (r?.kind === 'output') deps.add(r.step);
  }
  return [...deps];
}

function findCycle(spec: PipelineSpec): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of upstreamOf(spec, n)) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of Object.keys(spec.steps)) {
    const c = visit(n);
    if (c) return c.reverse();
  }
  return null;
}

function typeProblem(spec: ParamSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'string': return typeof value === 'string' ? null : `must be a string, got ${JSON.stringify(value)}`;
    case 'number': return typeof value === 'number' && Number.isFinite(value) ? null : `must be a number, got ${JSON.stringify(value)}`;
    case 'integer': return Number.isInteger(value) ? null : `must be an integer, got ${JSON.stringify(value)}`;
    case 'boolean': return typeof value === 'boolean' ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case 'list': return Array.isArray(value) ? null : `must be a list, got ${JSON.stringify(value)}`;
  }
}

function coerce(spec: ParamSpec, value: ParamValue): unknown {
  if (typeof value !== 'string' || spec.type === 'string') return value;
  const t = value.trim();
  if ((spec.type === 'number' || spec.type === 'integer') && t !== '' && !Number.isNaN(Number(t))) return Number(t);
  if (spec.type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  if (spec.type === 'list') {
    if (t.startsWith('[')) {
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return value;
      }
    }
    return t === '' ? [] : t.split(',').map((s) => s.trim());
  }
  return value;
}

/** Resolve a run's parameters: defaults, then given values (strings coerced to the declared type). */
export function resolveParams(spec: PipelineSpec, given: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(given)) {
    if (!(name in spec.params)) throw new AscentError('INVALID_ARGUMENT', `params.${name}: unknown parameter (declared: ${Object.keys(spec.params).join(', ') || 'none'})`, { field: `params.${name}` });
  }
  for (const [name, p] of Object.entries(spec.params)) {
    const value = name in given ? coerce(p, given[name]!) : p.default;
    if (value === undefined) throw new AscentError('INVALID_ARGUMENT', `params.${name}: missing parameter (${p.type}, no default)`, { field: `params.${name}` });
    const problem = typeProblem(p, value);
    if (problem) throw new AscentError('INVALID_ARGUMENT', `params.${name}: ${problem}`, { field: `params.${name}` });
    out[name] = value as ParamValue;
  }
  return out;
}

/** `accuracy >= 0.9` → its parts; null when the text is not a condition. */
export function parseGate(text: string): { metric: string; op: '>=' | '>' | '<=' | '<' | '==' | '!='; value: number } | null {
  const m = /^\s*([A-Za-z0-9_.\-/ ]+?)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text);
  if (!m) return null;
  return { metric: m[1]!, op: m[2] as '>=', value: Number(m[3]) };
}

export type { PipelineSpecInput };
