import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createServices } from '../../server.js';
import { buildApp } from '../app.js';
import { IRIS } from '../../../test/fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from '../../../test/e2e/serving-registry.js';
import type { AppServices } from '../app-services.js';
import { bodyTooLarge } from '../error-mapping.js';
import { InferenceFastPath } from './inference-fast-path.js';
import { scoringErrorBody } from './scoring-handlers.js';
import { DEFAULT_MAX_INFERENCE_BYTES } from './register-inference-api.js';

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The headers both paths must agree on. */
const COMPARED = ['content-type', 'content-length', 'x-request-id', 'x-ascent-variant', 'connection', 'inference-header-content-length'];

// The fast path answers plain JSON predictions on the real socket before Fastify; app.inject always
// goes through Fastify's routes. Every case is sent both ways and must get the same answer.
describe('inference fast path: same answers as the Fastify routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let services: AppServices;
  let port: number;
  const seenByFastify: string[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-fast-path-'));
    const made = await createServices(loadConfig({ dataDir: dir, logLevel: 'silent' }));
    close = made.close;
    services = made.services;
    app = await buildApp({ services, logger: false, serveUi: false });
    app.addHook('onRequest', (request, _reply, done) => {
      seenByFastify.push(request.url);
      done();
    });
    await registerIrisOnnx(services, 'iris', 1);
    const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'iris', variants: [{ name: 'main', model: 'iris/1' }], inputSampleRate: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const viaInject = async (url: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> => {
    const res = await app.inject({ method: 'POST', url, payload: body, headers });
    return { status: res.statusCode, headers: pick(res.headers as Record<string, string>), body: res.body };
  };

  const viaSocket = (url: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: url, headers: { ...headers, 'content-length': payload.length }, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: pick(res.headers as Record<string, string>), body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  const row = IRIS.rows[0]!;
  const split = JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [row, IRIS.rows[120]] } });
  const oip = (extra: object = {}) => JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: row }], ...extra });
  const json = { 'content-type': 'application/json' };

  const cases: { name: string; url: string; body: string | Buffer; headers?: Record<string, string>; status: number; fast: boolean }[] = [
    { name: 'dataframe_split by deployment', url: '/deployments/iris/invocations', body: split, status: 200, fast: true },
    { name: 'root /invocations (the only deployment)', url: '/invocations', body: split, status: 200, fast: true },
    { name: 'dataframe_records, content type with charset', url: '/deployments/iris/invocations', body: JSON.stringify({ dataframe_records: [Object.fromEntries(IRIS.features.map((f, j) => [f, row[j]]))] }), headers: { 'content-type': 'Application/JSON; charset=utf-8' }, status: 200, fast: true },
    { name: 'malformed JSON', url: '/deployments/iris/invocations', body: '{"dataframe_split": ', status: 400, fast: true },
    { name: 'empty JSON body', url: '/deployments/iris/invocations', body: '', status: 400, fast: true },
    { name: 'JSON null', url: '/deployments/iris/invocations', body: 'null', status: 415, fast: true },
    { name: 'missing feature', url: '/deployments/iris/invocations', body: JSON.stringify({ dataframe_split: { columns: IRIS.features.slice(1), data: [row.slice(1)] } }), status: 400, fast: true },
    { name: 'wrong type', url: '/deployments/iris/invocations', body: JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [['a', 'b', 'c', 'd']] } }), status: 400, fast: true },
    { name: 'unknown deployment', url: '/deployments/nope/invocations', body: split, status: 404, fast: true },
    { name: 'OIP infer with the caller id', url: '/v2/models/iris/infer', body: oip({ id: 'caller-7' }), status: 200, fast: true },
    { name: 'OIP infer pinned to a version', url: '/v2/models/iris/versions/1/infer', body: oip(), status: 200, fast: true },
    { name: 'OIP unknown version', url: '/v2/models/iris/versions/9/infer', body: oip(), status: 404, fast: true },
    { name: 'OIP wrong shape', url: '/v2/models/iris/infer', body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }), status: 400, fast: true },
    { name: 'body over the limit', url: '/deployments/iris/invocations', body: Buffer.alloc(DEFAULT_MAX_INFERENCE_BYTES + 1, 0x20), status: 413, fast: true },
    { name: 'CSV goes to Fastify', url: '/deployments/iris/invocations', body: `${IRIS.features.join(',')}\n${row.join(',')}\n`, headers: { 'content-type': 'text/csv' }, status: 200, fast: false },
    { name: 'a query string goes to Fastify', url: '/deployments/iris/invocations?x=1', body: split, status: 200, fast: false },
    { name: 'an escaped name goes to Fastify', url: '/deployments/ir%69s/invocations', body: split, status: 200, fast: false },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status}`, async () => {
      // The same request id both ways, so the answers can be compared byte for byte.
      const headers = { ...json, ...c.headers, 'x-request-id': `parity-${c.name.replace(/\W+/g, '-')}` };
      const before = seenByFastify.length;
      const socket = await viaSocket(c.url, c.body, headers);
      expect(seenByFastify.length > before, 'went through Fastify').toBe(!c.fast);
      const injected = await viaInject(c.url, c.body, headers);
      expect(socket.status, socket.body).toBe(c.status);
      expect(socket).toEqual(injected);
    });
  }

  it('a chunked body (no content-length) that grows over the limit gets 413 and a closed connection', async () => {
    const before = seenByFastify.length;
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/deployments/iris/invocations', headers: { ...json, 'x-request-id': 'parity-chunked' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: pick(res.headers as Record<string, string>), body: Buffer.concat(chunks).toString() }));
      });
      // The server may close while the rest is still being sent.
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      const piece = Buffer.alloc(1 << 20, 0x20);
      for (let sent = 0; sent <= DEFAULT_MAX_INFERENCE_BYTES; sent += piece.length) req.write(piece);
      req.end();
    });
    expect(seenByFastify.length).toBe(before);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    // The body a declared over-limit length gets (checked against Fastify above).
    expect(JSON.parse(answer.body)).toEqual(scoringErrorBody(bodyTooLarge()));
  });

  it('root /invocations with two deployments and no default: the same 404 both ways', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'iris-b', variants: [{ name: 'main', model: 'iris/1' }] } });
    expect(res.statusCode, res.body).toBe(200);
    const headers = { ...json, 'x-request-id': 'parity-root-ambiguous' };
    const socket = await viaSocket('/invocations', split, headers);
    expect(socket.status, socket.body).toBe(404);
    expect(socket).toEqual(await viaInject('/invocations', split, headers));
  });

  it('once the server is closing, leaves every request to Fastify (whose return503OnClosing answers)', () => {
    const fastPath = new InferenceFastPath({ serving: services.serving, bodyLimit: DEFAULT_MAX_INFERENCE_BYTES, log: app.log });
    fastPath.close();
    const req = { method: 'POST', url: '/deployments/iris/invocations', headers: json } as unknown as IncomingMessage;
    expect(fastPath.handle(req, {} as ServerResponse)).toBe(false);
  });
});

function pick(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(COMPARED.map((h) => [h, headers[h] === undefined ? undefined : String(headers[h])]));
}
