import type { FastifyRequest } from 'fastify';
import { AscentError, invalid } from '../../core/errors.js';
import type { Actor } from '../../registry/service.js';

type Fields = Record<string, unknown>;

/**
 * The fields of one MLflow request, read with proto3-JSON rules: GET sends them as query
 * parameters (a repeated field as repeated keys), other methods as a JSON body; int64 may arrive
 * as a number or a numeric string; enums arrive by name (or number). Every reader fails with
 * INVALID_PARAMETER_VALUE naming the offending field, before any service is called.
 */
export class ProtoFields {
  /**
   * @param path how errors name this message's fields: '' at the top, `metrics[3].` inside a list.
   */
  private constructor(
    private readonly raw: Fields,
    private readonly fromQuery: boolean,
    private readonly path = '',
  ) {}

  static of(request: FastifyRequest): ProtoFields {
    const query = (request.query ?? {}) as Fields;
    if (request.method === 'GET' || request.method === 'HEAD') return new ProtoFields(query, true);
    const body = request.body;
    if (body === undefined || body === null) return new ProtoFields(query, true);
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new AscentError('MALFORMED_REQUEST', 'Request body must be a JSON object');
    }
    return new ProtoFields({ ...query, ...(body as Fields) }, false);
  }

  /** Read the fields of a plain object (a sub-message, or query parameters read by hand). */
  static fromObject(raw: Fields, path = ''): ProtoFields {
    return new ProtoFields(raw, false, path);
  }

  /** The name errors use for a field: its path from the top of the request. */
  private name(field: string): string {
    return this.path + field;
  }

  has(name: string): boolean {
    return this.value(name) !== undefined;
  }

  /** The raw value, with a query parameter given once or many times reduced to its first value. */
  private value(name: string): unknown {
    const v = this.raw[name];
    if (this.fromQuery && Array.isArray(v)) return v[0];
    return v === null ? undefined : v;
  }

  string(name: string): string | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw badValue(this.name(name), v, 'a string');
    return v;
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw missing(this.name(name));
    return v;
  }

  /** int32/int64: a JSON number or a string of digits, within ±2^53. */
  int(name: string): number | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw badValue(this.name(name), v, 'an integer');
    return n;
  }

  requiredInt(name: string): number {
    const n = this.int(name);
    if (n === undefined) throw missing(this.name(name));
    return n;
  }

  /** A double: a JSON number, "NaN", "Infinity", "-Infinity", or (proto3 JSON) a numeric string. */
  double(name: string): number | undefined {
    const v = this.value(name);
    if (v === undefined || typeof v === 'number') return v;
    if (typeof v === 'string') {
      const s = v.trim();
      if (/^nan$/i.test(s)) return Number.NaN;
      if (/^\+?(inf|infinity)$/i.test(s)) return Number.POSITIVE_INFINITY;
      if (/^-(inf|infinity)$/i.test(s)) return Number.NEGATIVE_INFINITY;
      const n = Number(s);
      if (s !== '' && Number.isFinite(n)) return n;
    }
    throw badValue(this.name(name), v, 'a number, "NaN", "Infinity" or "-Infinity"');
  }

  requiredDouble(name: string): number {
    const n = this.double(name);
    if (n === undefined) throw missing(this.name(name));
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw badValue(this.name(name), v, "'true' or 'false'");
  }

  /** An enum by name, or by its proto number (`names[i]` has number `first + i`). */
  enumName<T extends string>(name: string, names: readonly T[], first = 1): T | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (names as readonly string[]).includes(v)) return v as T;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
    const byNumber = Number.isInteger(n) ? names[n - first] : undefined;
    if (byNumber !== undefined) return byNumber;
    throw badValue(this.name(name), v, `one of ${names.join(', ')}`);
  }

  /** A repeated string field: a JSON array, or repeated query keys. */
  stringList(name: string): string[] {
    const v = this.raw[name];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : this.fromQuery ? [v] : undefined;
    if (!list) throw badValue(this.name(name), v, 'a list of strings');
    list.forEach((item, i) => {
      if (typeof item !== 'string') throw badValue(this.name(`${name}[${i}]`), item, 'a string');
    });
    return list as string[];
  }

  /** A repeated message field: a JSON array of objects. */
  messages(name: string): ProtoFields[] {
    const v = this.raw[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw badValue(this.name(name), v, 'a list of objects');
    return v.map((item, i) => {
      const path = this.name(`${name}[${i}]`);
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badValue(path, item, 'an object');
      return ProtoFields.fromObject(item as Fields, `${path}.`);
    });
  }

  /** A repeated field's raw array as sent (undefined when absent or not an array), for fast paths that check it themselves. */
  rawList(name: string): readonly unknown[] | undefined {
    const v = this.raw[name];
    return Array.isArray(v) && !this.fromQuery ? v : undefined;
  }

  /** A singular message field. */
  message(name: string): ProtoFields | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw badValue(this.name(name), v, 'an object');
    return ProtoFields.fromObject(v as Fields, `${this.name(name)}.`);
  }

  /** The value as sent, for fields whose type the service validates itself. */
  passThrough(name: string): unknown {
    return this.value(name);
  }

  /** `run_id`, or its deprecated alias `run_uuid` (the client sends both; they must agree). */
  runId(): string {
    const id = this.string('run_id');
    const uuid = this.string('run_uuid');
    if (id && uuid && id !== uuid) throw invalid(`'run_id' (${id}) and 'run_uuid' (${uuid}) name different runs`, this.name('run_id'));
    const runId = id || uuid;
    if (!runId) throw missing(this.name('run_id'));
    return runId;
  }

  /** A numeric experiment id, as MLflow requires. */
  experimentId(name = 'experiment_id'): string {
    const id = this.requiredString(name);
    if (!/^\d+$/.test(id)) throw invalid(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`, this.name(name));
    return id;
  }
}

/** Longest user name recorded on registry events; a longer one is cut, not refused. */
const MAX_USER_LENGTH = 256;

/**
 * Who is acting, for the registry's audit events: the `x-ascent-user` header, else the user name of
 * HTTP basic auth (the mlflow client sends it from MLFLOW_TRACKING_USERNAME), else `anonymous`.
 */
export function actorOf(request: FastifyRequest): Actor {
  const header = request.headers['x-ascent-user'];
  const named = (Array.isArray(header) ? header[0] : header)?.trim();
  const user = named || basicAuthUser(request.headers.authorization) || 'anonymous';
  return { user: user.slice(0, MAX_USER_LENGTH) };
}

function basicAuthUser(authorization: string | undefined): string | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (colon < 0 ? decoded : decoded.slice(0, colon)).trim() || undefined;
}

export function missing(name: string): AscentError {
  return invalid(`Missing value for required parameter '${name}'.`, name);
}

export function badValue(name: string, value: unknown, expected: string): AscentError {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 100) shown = `${shown.slice(0, 100)}…`;
  return invalid(`Invalid value ${shown} for parameter '${name}' supplied: expected ${expected}.`, name);
}
