import { invalid } from '../core/errors.js';

/**
 * MLflow's search grammar: `<type>.<key> <op> <value>` clauses joined by AND, and `order_by`
 * entries `<type>.<key> [ASC|DESC]`. Parsed once here into plain data that stores translate to SQL.
 */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderByClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

const TYPE_ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** Attributes a filter or ordering may name, per searched entity, mapped to canonical names. */
export const RUN_ATTRIBUTES: Record<string, string> = {
  run_id: 'run_id',
  run_uuid: 'run_id',
  id: 'run_id',
  run_name: 'run_name',
  name: 'run_name',
  status: 'status',
  user_id: 'user_id',
  start_time: 'start_time',
  created: 'start_time',
  Created: 'start_time',
  end_time: 'end_time',
  artifact_uri: 'artifact_uri',
  lifecycle_stage: 'lifecycle_stage',
};
const RUN_NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);
export const EXPERIMENT_ATTRIBUTES: Record<string, string> = {
  name: 'name',
  experiment_id: 'experiment_id',
  creation_time: 'creation_time',
  last_update_time: 'last_update_time',
};
const EXPERIMENT_NUMERIC_ATTRIBUTES = new Set(['creation_time', 'last_update_time', 'experiment_id']);
export const LOGGED_MODEL_ATTRIBUTES: Record<string, string> = {
  name: 'name',
  model_id: 'model_id',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_time: 'creation_time',
  creation_timestamp: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
  last_updated_time: 'last_updated_time',
};
const LOGGED_MODEL_NUMERIC_ATTRIBUTES = new Set(['creation_time', 'last_updated_time']);
export const REGISTERED_MODEL_ATTRIBUTES: Record<string, string> = {
  name: 'name',
  creation_timestamp: 'creation_time',
  creation_time: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
  last_updated_time: 'last_updated_time',
  timestamp: 'last_updated_time',
  owner: 'owner',
  user_id: 'owner',
  project_id: 'project_id',
};
export const MODEL_VERSION_ATTRIBUTES: Record<string, string> = {
  name: 'name',
  version: 'version',
  version_number: 'version',
  run_id: 'run_id',
  source: 'source',
  source_path: 'source',
  status: 'status',
  current_stage: 'current_stage',
  user_id: 'user_id',
  creation_timestamp: 'creation_time',
  creation_time: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
  last_updated_time: 'last_updated_time',
  model_id: 'logged_model_id',
};
const REGISTRY_NUMERIC_ATTRIBUTES = new Set(['creation_time', 'last_updated_time', 'version']);
const DATASET_KEYS = new Set(['name', 'digest', 'context']);

export type SearchEntity = 'runs' | 'experiments' | 'logged_models' | 'registered_models' | 'model_versions';

const ATTRIBUTE_TABLES: Record<SearchEntity, Record<string, string>> = {
  runs: RUN_ATTRIBUTES,
  experiments: EXPERIMENT_ATTRIBUTES,
  logged_models: LOGGED_MODEL_ATTRIBUTES,
  registered_models: REGISTERED_MODEL_ATTRIBUTES,
  model_versions: MODEL_VERSION_ATTRIBUTES,
};

interface Token {
  kind: 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma';
  text: string;
  pos: number;
}

function tokenize(input: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < input.length && input[j] !== c) {
        if (input[j] === '\\' && j + 1 < input.length) j++;
        text += input[j];
        j++;
      }
      if (j >= input.length) throw invalid(`Invalid ${field}: unterminated quote starting at position ${start}`, field);
      // Backticks and double quotes can quote identifiers (keys); single/double quotes quote values.
      tokens.push({ kind: c === '`' ? 'ident' : 'string', text, pos: start });
      i = j + 1;
      continue;
    }
    if (c === '(') {
      tokens.push({ kind: 'lparen', text: c, pos: start });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ kind: 'rparen', text: c, pos: start });
      i++;
      continue;
    }
    if (c === ',') {
      tokens.push({ kind: 'comma', text: c, pos: start });
      i++;
      continue;
    }
    const op = /^(!=|>=|<=|=|>|<|==)/.exec(input.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[0] === '==' ? '=' : op[0], pos: start });
      i += op[0].length;
      continue;
    }
    const num = /^-?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?)(?![\w.])/i.exec(input.slice(i));
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const ident = /^[\w.\-/:]+/.exec(input.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    throw invalid(`Invalid ${field}: unexpected character '${c}' at position ${start}`, field);
  }
  return tokens;
}

/** Split `metrics.rmse`, `tags."a b"`, `` params.`x` `` into type and key. */
function splitIdentifier(tokens: Token[], at: number, entity: SearchEntity, field: string): { type: EntityType; key: string; next: number } {
  const first = tokens[at];
  if (!first || first.kind !== 'ident') throw invalid(`Invalid ${field}: expected an identifier at position ${first?.pos ?? 'end'}`, field);
  let text = first.text;
  let next = at + 1;
  // `tags.` followed by a quoted key comes in as an ident ending with '.' then a string/ident token.
  if (text.endsWith('.') && tokens[next] && (tokens[next]!.kind === 'string' || tokens[next]!.kind === 'ident') && tokens[next]!.pos === first.pos + text.length) {
    text += tokens[next]!.text;
    next++;
    return { ...resolveType(text.slice(0, first.text.length - 1), text.slice(first.text.length), entity, field), next };
  }
  const dot = text.indexOf('.');
  if (dot < 0) {
    // A bare name is an attribute (`name LIKE 'x%'` for experiments, `run_name = 'x'`).
    return { ...resolveType('attribute', text, entity, field), next };
  }
  const prefix = text.slice(0, dot);
  if (!(prefix.toLowerCase() in TYPE_ALIASES)) return { ...resolveType('attribute', text, entity, field), next };
  return { ...resolveType(prefix, text.slice(dot + 1), entity, field), next };
}

function resolveType(prefix: string, key: string, entity: SearchEntity, field: string): { type: EntityType; key: string } {
  const type = TYPE_ALIASES[prefix.toLowerCase()];
  if (!type) throw invalid(`Invalid ${field}: unknown identifier type '${prefix}'`, field);
  if (key === '') throw invalid(`Invalid ${field}: missing key after '${prefix}.'`, field);
  if (type === 'attribute') {
    const table = ATTRIBUTE_TABLES[entity];
    const canonical = table[key];
    if (!canonical) {
      throw invalid(`Invalid ${field}: unknown attribute '${key}'; expected one of ${Object.keys(table).join(', ')}`, field);
    }
    return { type, key: canonical };
  }
  if ((entity === 'experiments' || entity === 'registered_models') && type !== 'tag') throw invalid(`Invalid ${field}: ${entity.replace('_', ' ')} can be filtered by attributes and tags only`, field);
  if (entity === 'model_versions' && type !== 'tag' && type !== 'metric') throw invalid(`Invalid ${field}: model versions can be filtered by attributes, tags and metrics`, field);
  if (entity === 'runs' && type === 'dataset' && !DATASET_KEYS.has(key)) {
    throw invalid(`Invalid ${field}: dataset key must be one of name, digest, context`, field);
  }
  return { type, key };
}

function isNumericAttribute(entity: SearchEntity, key: string): boolean {
  if (entity === 'runs') return RUN_NUMERIC_ATTRIBUTES.has(key);
  if (entity === 'experiments') return EXPERIMENT_NUMERIC_ATTRIBUTES.has(key);
  if (entity === 'logged_models') return LOGGED_MODEL_NUMERIC_ATTRIBUTES.has(key);
  return REGISTRY_NUMERIC_ATTRIBUTES.has(key);
}

/** Parse a filter string; an empty or missing filter matches everything. */
export function parseFilter(filter: string | null | undefined, entity: SearchEntity = 'runs'): FilterClause[] {
  const field = 'filter';
  if (!filter || filter.trim() === '') return [];
  const tokens = tokenize(filter, field);
  const clauses: FilterClause[] = [];
  let i = 0;
  for (;;) {
    const { type, key, next } = splitIdentifier(tokens, i, entity, field);
    i = next;
    const opTok = tokens[i];
    if (!opTok) throw invalid(`Invalid ${field}: expected a comparator after '${key}'`, field);
    let comparator: Comparator;
    if (opTok.kind === 'op') {
      comparator = opTok.text as Comparator;
      i++;
    } else if (opTok.kind === 'ident' && /^(like|ilike|in)$/i.test(opTok.text)) {
      comparator = opTok.text.toUpperCase() as Comparator;
      i++;
    } else if (opTok.kind === 'ident' && /^not$/i.test(opTok.text) && tokens[i + 1]?.kind === 'ident' && /^in$/i.test(tokens[i + 1]!.text)) {
      comparator = 'NOT IN';
      i += 2;
    } else {
      throw invalid(`Invalid ${field}: expected a comparator at position ${opTok.pos}`, field);
    }
    let value: string | number | string[];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (tokens[i]?.kind !== 'lparen') throw invalid(`Invalid ${field}: IN expects a parenthesized list`, field);
      i++;
      const list: string[] = [];
      while (tokens[i] && tokens[i]!.kind !== 'rparen') {
        const t = tokens[i]!;
        if (t.kind !== 'string' && t.kind !== 'number') throw invalid(`Invalid ${field}: IN list holds quoted strings only`, field);
        list.push(t.text);
        i++;
        if (tokens[i]?.kind === 'comma') i++;
      }
      if (tokens[i]?.kind !== 'rparen') throw invalid(`Invalid ${field}: unclosed IN list`, field);
      i++;
      if (list.length === 0) throw invalid(`Invalid ${field}: IN list must not be empty`, field);
      value = list;
    } else {
      const v = tokens[i];
      if (!v || (v.kind !== 'string' && v.kind !== 'number')) {
        throw invalid(`Invalid ${field}: expected a value after '${key} ${comparator}'`, field);
      }
      value = v.kind === 'number' ? Number(v.text) : v.text;
      i++;
    }
    validateClause({ type, key, comparator, value }, entity, field);
    const numeric = type === 'metric' || (type === 'attribute' && isNumericAttribute(entity, key));
    if (numeric && typeof value === 'string') {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) throw invalid(`Invalid ${field}: '${key}' expects a number, got '${value}'`, field);
      value = n;
    }
    clauses.push({ type, key, comparator, value });
    if (i >= tokens.length) break;
    const and = tokens[i]!;
    if (and.kind === 'ident' && /^and$/i.test(and.text)) {
      i++;
      continue;
    }
    if (and.kind === 'ident' && /^or$/i.test(and.text)) throw invalid(`Invalid ${field}: OR is not supported; join clauses with AND`, field);
    throw invalid(`Invalid ${field}: expected AND at position ${and.pos}`, field);
  }
  return clauses;
}

function validateClause(c: FilterClause, entity: SearchEntity, field: string): void {
  const stringOps: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
  const numericOps: Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
  if (c.type === 'metric') {
    if (!numericOps.includes(c.comparator)) throw invalid(`Invalid ${field}: metrics support ${numericOps.join(' ')} only`, field);
    return;
  }
  if (c.type === 'attribute' && isNumericAttribute(entity, c.key)) {
    if (!numericOps.includes(c.comparator)) throw invalid(`Invalid ${field}: '${c.key}' supports ${numericOps.join(' ')} only`, field);
    return;
  }
  if (!stringOps.includes(c.comparator)) throw invalid(`Invalid ${field}: '${c.key}' supports ${stringOps.join(' ')} only`, field);
  if ((c.comparator === 'IN' || c.comparator === 'NOT IN') && c.type === 'param') {
    throw invalid(`Invalid ${field}: IN is supported for attributes, tags and datasets`, field);
  }
}

/** Parse `order_by` entries such as `metrics.rmse DESC` or `` params.`lr` ``. */
export function parseOrderBy(orderBy: readonly string[] | null | undefined, entity: SearchEntity = 'runs'): OrderByClause[] {
  const field = 'order_by';
  return (orderBy ?? []).map((entry) => {
    const tokens = tokenize(entry, field);
    const { type, key, next } = splitIdentifier(tokens, 0, entity, field);
    let ascending = true;
    const dir = tokens[next];
    if (dir) {
      if (dir.kind !== 'ident' || !/^(asc|desc)$/i.test(dir.text) || tokens.length > next + 1) {
        throw invalid(`Invalid ${field}: '${entry}' must be '<identifier> [ASC|DESC]'`, field);
      }
      ascending = dir.text.toUpperCase() === 'ASC';
    }
    if (type === 'dataset') throw invalid(`Invalid ${field}: cannot order by dataset fields`, field);
    return { type, key, ascending };
  });
}

/** Opaque page tokens: base64 of a small JSON object holding the offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | null | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw invalid('Invalid page_token', 'page_token');
}
