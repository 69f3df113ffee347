import { AscentError, invalid } from '../../core/errors.js';
import type { ModelMetadata, Tensor, TensorSpec } from '../model-runtime.js';
import { TENSOR_DATATYPES, unavailable } from './tensor-checks.js';

/** Where an Open Inference Protocol (V2 REST) model lives and how to call it. */
export interface OipTarget {
  baseUrl: string;
  model: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Largest response body read from a model server (a runaway server cannot exhaust memory). */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** A model's metadata: `GET /v2/models/{name}`. */
export async function oipMetadata(target: OipTarget): Promise<ModelMetadata> {
  const body = await call(target, 'GET', `/v2/models/${encodeURIComponent(target.model)}`);
  const specs = (v: unknown, side: string): TensorSpec[] => {
    if (!Array.isArray(v)) throw new AscentError('INTERNAL', `Model server at ${target.baseUrl} sent metadata without ${side}`);
    return v.map((s: { name?: unknown; datatype?: unknown; shape?: unknown }) => ({
      name: String(s.name),
      datatype: TENSOR_DATATYPES.has(String(s.datatype)) ? (s.datatype as TensorSpec['datatype']) : 'BYTES',
      shape: Array.isArray(s.shape) ? s.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) : [],
    }));
  };
  const m = body as { name?: string; versions?: string[]; platform?: string; inputs?: unknown; outputs?: unknown };
  return { name: String(m.name ?? target.model), versions: Array.isArray(m.versions) ? m.versions.map(String) : [], platform: String(m.platform ?? ''), inputs: specs(m.inputs, 'inputs'), outputs: specs(m.outputs, 'outputs') };
}

/** One inference: `POST /v2/models/{name}/infer`; typed arrays go out as JSON arrays. */
export async function oipInfer(target: OipTarget, inputs: Tensor[], options: { outputs?: string[]; signal?: AbortSignal; parameters?: Record<string, unknown> } = {}): Promise<Tensor[]> {
  const request = {
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v)) })),
    ...(options.outputs ? { outputs: options.outputs.map((name) => ({ name })) } : {}),
    ...(options.parameters ? { parameters: options.parameters } : {}),
  };
  const body = (await call(target, 'POST', `/v2/models/${encodeURIComponent(target.model)}/infer`, request, options.signal)) as { outputs?: unknown };
  if (!Array.isArray(body.outputs)) throw new AscentError('INTERNAL', `Model server at ${target.baseUrl} answered without outputs`);
  return body.outputs.map((o: { name?: unknown; datatype?: unknown; shape?: unknown; data?: unknown }) => ({
    name: String(o.name),
    datatype: TENSOR_DATATYPES.has(String(o.datatype)) ? (o.datatype as Tensor['datatype']) : 'BYTES',
    shape: Array.isArray(o.shape) ? o.shape.map(Number) : [],
    data: Array.isArray(o.data) ? o.data.flat(Infinity) : [],
  }));
}

/** `GET /v2/health/ready`: true on 200. */
export async function oipReady(target: OipTarget): Promise<boolean> {
  try {
    await call(target, 'GET', '/v2/health/ready');
    return true;
  } catch {
    return false;
  }
}

/**
 * One JSON call. A 4xx is the caller's input (INVALID_ARGUMENT with the server's message, or
 * PAYLOAD_TOO_LARGE); a refused connection or a 5xx/503 is UNAVAILABLE; other failures INTERNAL.
 */
export async function call(target: OipTarget, method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const timeout = AbortSignal.timeout(target.timeoutMs ?? 60_000);
  let res: Response;
  try {
    res = await fetch(new URL(path, target.baseUrl), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...target.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw unavailable(`Model server at ${target.baseUrl} is unreachable: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  const text = await readCapped(res);
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { error: text.slice(0, 500) };
  }
  if (res.ok) return json;
  const message = errorMessage(json) ?? `HTTP ${res.status}`;
  if (res.status === 413) throw new AscentError('PAYLOAD_TOO_LARGE', message);
  if (res.status === 404 && method === 'GET') throw new AscentError('NOT_FOUND', `Model server at ${target.baseUrl}: ${message}`);
  if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403) throw invalid(message, 'inputs');
  if (res.status === 503 || res.status === 502) throw unavailable(`Model server at ${target.baseUrl}: ${message}`);
  throw new AscentError('INTERNAL', `Model server at ${target.baseUrl} failed (HTTP ${res.status}): ${message}`);
}

function errorMessage(json: unknown): string | null {
  if (json && typeof json === 'object') {
    const j = json as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
    if (j.error && typeof j.error === 'object' && typeof (j.error as { message?: unknown }).message === 'string') return (j.error as { message: string }).message;
  }
  return null;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (total > MAX_RESPONSE_BYTES) throw new AscentError('INTERNAL', `Model server response exceeds ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
