import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';
import { registerMlflowApi } from './register-mlflow-api.js';

// Real SQLite file and on-disk artifact store in a temp dir, the same services the server builds.
// The data folder sits inside a sandbox folder, so a test can prove no request wrote outside the store.
let ascent: AscentApp;
let sandbox: string;
let artifactRoot: string;
let baseUrl: string;
beforeAll(async () => {
  sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'ascent-proxy-'));
  ascent = await startAscentApp({ dataDir: path.join(sandbox, 'data') });
  artifactRoot = path.join(ascent.dataDir, 'artifacts');
  // inject() resolves `..` and `%2e%2e` like a browser; traversal must be tested with raw HTTP paths.
  baseUrl = await ascent.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await ascent?.close();
  await fs.rm(sandbox, { recursive: true, force: true });
});

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PROXY = '/api/2.0/mlflow-artifacts';

async function put(url: string, payload: Buffer | string | Readable, app: FastifyInstance = ascent.app) {
  const res = await app.inject({ method: 'PUT', url: `${PROXY}/artifacts/${url}`, payload, headers: { 'content-type': 'application/octet-stream' } });
  return { status: res.statusCode, json: res.json() as Body };
}

/** A request over real HTTP with the path sent exactly as given; `chunks` are sent chunked. */
async function raw(base: string, method: string, rawPath: string, body?: { bytes?: Buffer; chunks?: Buffer[] }): Promise<{ status: number; json: Body }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (body?.bytes) headers['content-length'] = String(body.bytes.length);
    const { hostname, port } = new URL(base);
    // Options, not a URL string: a URL would be normalized (`..` resolved) before it is sent.
    const req = http.request({ hostname, port, path: rawPath, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Body }));
    });
    // The server may answer (and close) before a refused body is fully sent.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    if (body?.bytes) req.end(body.bytes);
    else if (body?.chunks) {
      for (const chunk of body.chunks) req.write(chunk);
      req.end();
    } else req.end();
  });
}

/** Every file in the sandbox but the database, to prove a refused request wrote nothing anywhere. */
async function filesAround(): Promise<string[]> {
  const entries = await fs.readdir(sandbox, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !/\.db(-wal|-shm)?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('MLflow artifact proxy', () => {
  it('round-trips bytes exactly: PUT streams in, GET streams out as an attachment', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    expect(await put('1/run/artifacts/model/weights.bin', bytes)).toEqual({ status: 200, json: {} });
    const res = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/1/run/artifacts/model/weights.bin` });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['content-disposition']).toContain('attachment; filename="weights.bin"');
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    // A .json artifact is sent with a JSON content type; it must be stored as bytes, not parsed.
    const json = '{"a": [1, 2,\n 3]}';
    const upload = await ascent.app.inject({ method: 'PUT', url: `${PROXY}/artifacts/1/run/artifacts/meta.json`, payload: json, headers: { 'content-type': 'application/json' } });
    expect(upload.statusCode).toBe(200);
    const back = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/1/run/artifacts/meta.json` });
    expect(back.body).toBe(json);
    expect(back.headers['content-type']).toContain('application/json');
  });

  it('stores empty files and streamed (chunked) bodies', async () => {
    const empty = await ascent.app.inject({ method: 'PUT', url: `${PROXY}/artifacts/1/run/artifacts/empty.txt` });
    expect(empty.statusCode).toBe(200);
    const got = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/1/run/artifacts/empty.txt` });
    expect([got.statusCode, got.body]).toEqual([200, '']);

    const chunks = [Buffer.from('part one, '), Buffer.from('part two')];
    expect((await put('1/run/artifacts/streamed.txt', Readable.from(chunks))).status).toBe(200);
    expect((await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/1/run/artifacts/streamed.txt` })).body).toBe('part one, part two');
  });

  it('lists a folder with names relative to it, as MLflow does', async () => {
    await put('2/r/artifacts/a.txt', 'aaa');
    await put('2/r/artifacts/sub/b.txt', 'b');
    const res = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts?path=2/r/artifacts` });
    expect(res.json()).toEqual({
      files: [
        { path: 'a.txt', is_dir: false, file_size: 3 },
        { path: 'sub', is_dir: true },
      ],
    });
    expect((await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts?path=2/none` })).json()).toEqual({});
    expect((await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts?path=2/r/artifacts/a.txt` })).json()).toEqual({});
  });

  it('answers a missing file with 404 RESOURCE_DOES_NOT_EXIST and a folder with 400', async () => {
    const missing = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/9/nothing/here.txt` });
    expect([missing.statusCode, missing.json().error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    await put('3/dir/file.txt', 'x');
    const folder = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/3/dir` });
    expect([folder.statusCode, folder.json().error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('deletes files and folders', async () => {
    await put('4/r/artifacts/x/1.txt', '1');
    await put('4/r/artifacts/x/2.txt', '2');
    const del = await ascent.app.inject({ method: 'DELETE', url: `${PROXY}/artifacts/4/r/artifacts/x` });
    expect([del.statusCode, del.json()]).toEqual([200, {}]);
    expect((await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/4/r/artifacts/x/1.txt` })).statusCode).toBe(404);
    const root = await ascent.app.inject({ method: 'DELETE', url: `${PROXY}/artifacts/` });
    expect(root.statusCode).toBe(400);
  });

  it.each([
    ['dot-dot segments', '1/../../escape.txt'],
    ['encoded dot-dot', '1/%2e%2e/%2E%2E/escape.txt'],
    ['double-encoded dot-dot', '1/%252e%252e/%252e%252e/escape.txt'],
    ['absolute path', '/tmp/escape.txt'],
    ['encoded slash before an absolute path', '%2Ftmp%2Fescape.txt'],
    ['backslashes', '1/..%5C..%5Cescape.txt'],
    ['NUL byte', '1/escape%00.txt'],
  ])('refuses traversal (%s) with 400 INVALID_PARAMETER_VALUE and writes nothing', async (_name, tail) => {
    const before = await filesAround();
    for (const method of ['PUT', 'GET', 'DELETE'] as const) {
      const res = await raw(baseUrl, method, `${PROXY}/artifacts/${tail}`, method === 'PUT' ? { bytes: Buffer.from('pwned') } : undefined);
      expect([res.status, res.json.error_code], `${method} ${tail}`).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    }
    const listed = await raw(baseUrl, 'GET', `${PROXY}/artifacts?path=${tail}`);
    expect([listed.status, listed.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(await filesAround()).toEqual(before);
  });

  it('enforces the configured upload limit, from Content-Length or mid-stream, keeping nothing', async () => {
    const small = Fastify({ logger: false });
    await registerMlflowApi(small, ascent.services, { maxArtifactBytes: 1024 });
    try {
      const smallUrl = await small.listen({ host: '127.0.0.1', port: 0 });
      const tooBig = await raw(smallUrl, 'PUT', `${PROXY}/artifacts/5/big-declared.bin`, { bytes: randomBytes(2048) });
      expect([tooBig.status, tooBig.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      const streamed = await raw(smallUrl, 'PUT', `${PROXY}/artifacts/5/big-streamed.bin`, { chunks: [randomBytes(700), randomBytes(700)] });
      expect([streamed.status, streamed.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(await fs.readdir(path.join(artifactRoot, '5')).catch(() => [])).toEqual([]);
      expect((await put('5/fits.bin', randomBytes(1024), small)).status).toBe(200);
    } finally {
      await small.close();
    }
    // The app-wide JSON body limit does not apply to uploads.
    expect((await put('5/larger-than-json-limit.bin', Buffer.alloc(17 * 1024 * 1024, 7))).status).toBe(200);
  });

  it('supports multipart uploads through part URLs that point back at the proxy', async () => {
    const create = await ascent.app.inject({ method: 'POST', url: `${PROXY}/mpu/create/6/r/artifacts/big`, payload: { path: '/home/me/data/blob.bin', num_parts: 2 } });
    expect(create.statusCode).toBe(200);
    const { upload_id: uploadId, credentials } = create.json() as Body;
    expect(credentials.map((c: Body) => c.part_number)).toEqual([1, 2]);
    const parts = [randomBytes(5000), randomBytes(1234)];
    const uploaded: Body[] = [];
    for (const [i, credential] of (credentials as Body[]).entries()) {
      const url = new URL(credential.url as string);
      const res = await ascent.app.inject({ method: 'PUT', url: url.pathname + url.search, payload: parts[i], headers: { 'content-type': 'application/octet-stream' } });
      expect(res.statusCode).toBe(200);
      uploaded.push({ part_number: credential.part_number, etag: res.headers.etag, url: credential.url });
    }
    const complete = await ascent.app.inject({ method: 'POST', url: `${PROXY}/mpu/complete/6/r/artifacts/big`, payload: { path: '/home/me/data/blob.bin', upload_id: uploadId, parts: uploaded } });
    expect(complete.statusCode).toBe(200);
    const got = await ascent.app.inject({ method: 'GET', url: `${PROXY}/artifacts/6/r/artifacts/big/blob.bin` });
    expect(got.rawPayload.equals(Buffer.concat(parts))).toBe(true);

    const again = (await ascent.app.inject({ method: 'POST', url: `${PROXY}/mpu/create/6/r/artifacts/big`, payload: { path: 'other.bin', num_parts: 1 } })).json() as Body;
    const abort = await ascent.app.inject({ method: 'POST', url: `${PROXY}/mpu/abort/6/r/artifacts/big`, payload: { path: 'other.bin', upload_id: again.upload_id } });
    expect(abort.statusCode).toBe(200);
    const traversal = await ascent.app.inject({ method: 'POST', url: `${PROXY}/mpu/create/6/r`, payload: { path: '..', num_parts: 1 } });
    expect([traversal.statusCode, traversal.json().error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it("lists a run's artifacts through the tracking API, relative to the run's root", async () => {
    const api = (url: string, payload?: object) => ascent.app.inject({ method: payload ? 'POST' : 'GET', url: `/api/2.0/mlflow${url}`, ...(payload ? { payload } : {}) });
    const run = (await api('/runs/create', { experiment_id: '0' })).json().run.info as Body;
    const root = (run.artifact_uri as string).replace('mlflow-artifacts:/', '');
    await put(`${root}/model/MLmodel`, 'flavors: {}');
    await put(`${root}/notes.txt`, 'hi');
    const top = (await api(`/artifacts/list?run_id=${run.run_id}`)).json();
    expect(top).toEqual({
      root_uri: run.artifact_uri,
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 2 },
      ],
    });
    const nested = (await api(`/artifacts/list?run_id=${run.run_id}&path=model`)).json();
    expect(nested.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 11 }]);
    const escape = await api(`/artifacts/list?run_id=${run.run_id}&path=${encodeURIComponent('../../')}`);
    expect([escape.statusCode, escape.json().error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const unknown = await api(`/artifacts/list?run_id=${'a'.repeat(32)}`);
    expect([unknown.statusCode, unknown.json().error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });
});
