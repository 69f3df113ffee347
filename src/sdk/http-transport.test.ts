import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AscentApiError, AscentConnectionError } from './sdk-errors.js';
import { HttpTransport } from './http-transport.js';

/**
 * Retries are about what the network and proxies do, which a healthy Ascent server never shows;
 * a real HTTP server scripted per request plays those faults.
 */
type Step = 'reset' | 'hang' | { status: number; body?: string; headers?: Record<string, string> };

let servers: http.Server[] = [];
async function closeAll(): Promise<void> {
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise((resolve) => s.close(resolve));
    }),
  );
  servers = [];
}
afterEach(closeAll);

async function faultyServer(steps: Step[]): Promise<{ url: string; requests: { method: string; url: string; body: string }[] }> {
  const requests: { method: string; url: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const step = steps[requests.length - 1] ?? { status: 200, body: '{"ok":true}' };
      if (step === 'reset') return req.socket.destroy();
      if (step === 'hang') return;
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(step.body ?? '{}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

const fast = { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 20 };

describe('HttpTransport', () => {
  it('retries a POST answered 503 and 429, then returns the answer', async () => {
    const srv = await faultyServer([{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200, body: '{"experimentId":"7"}' }]);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    expect(await http.json({ method: 'POST', path: '/experiments', json: { name: 'x' } })).toEqual({ experimentId: '7' });
    expect(srv.requests.map((r) => r.body)).toEqual(['{"name":"x"}', '{"name":"x"}', '{"name":"x"}']);
    expect(srv.requests[0]?.url).toBe('/api/v1/experiments');
  });

  it('does not repeat a POST whose connection dropped (the server may have acted)', async () => {
    const srv = await faultyServer(['reset']);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    await expect(http.json({ method: 'POST', path: '/runs', json: {} })).rejects.toBeInstanceOf(AscentConnectionError);
    expect(srv.requests).toHaveLength(1);
  });

  it('repeats a GET whose connection dropped', async () => {
    const srv = await faultyServer(['reset', 'reset', { status: 200, body: '{"keys":["a"]}' }]);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    expect(await http.json({ method: 'GET', path: '/runs/r1/metrics' })).toEqual({ keys: ['a'] });
    expect(srv.requests).toHaveLength(3);
  });

  it('gives up after maxAttempts and reports the last answer as a coded error', async () => {
    const body = JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down' } });
    const srv = await faultyServer([{ status: 429, body }, { status: 429, body }, { status: 429, body }, { status: 429, body }, { status: 200 }]);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    const err = (await http.json({ method: 'GET', path: '/projects' }).catch((e: unknown) => e)) as AscentApiError;
    expect(err).toBeInstanceOf(AscentApiError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429, message: 'slow down' });
    expect(srv.requests).toHaveLength(4);
  });

  it('does not retry a 4xx and keeps code, message and field', async () => {
    const srv = await faultyServer([{ status: 400, body: JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: 'bad name', field: 'name' } }), headers: { 'x-request-id': 'req-1' } }]);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    const err = (await http.json({ method: 'GET', path: '/experiments' }).catch((e: unknown) => e)) as AscentApiError;
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'bad name', field: 'name', requestId: 'req-1', status: 400 });
    expect(srv.requests).toHaveLength(1);
  });

  it('maps an answer without a known code by its status (a proxy page, say)', async () => {
    const srv = await faultyServer([{ status: 404, body: '<html>not here</html>' }, { status: 500, body: '{"error":{"code":"FUTURE_CODE","message":"new"}}' }]);
    const http = new HttpTransport({ baseUrl: srv.url, retry: fast });
    await expect(http.json({ method: 'GET', path: '/a' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: '<html>not here</html>' });
    await expect(http.json({ method: 'GET', path: '/b' })).rejects.toMatchObject({ code: 'INTERNAL', message: 'new', httpStatus: 500 });
  });

  it('times out a request that gets no answer, per attempt', async () => {
    const srv = await faultyServer(['hang', 'hang']);
    const http = new HttpTransport({ baseUrl: srv.url, timeoutMs: 100, retry: { ...fast, maxAttempts: 2 } });
    const err = (await http.json({ method: 'GET', path: '/projects' }).catch((e: unknown) => e)) as AscentConnectionError;
    expect(err).toBeInstanceOf(AscentConnectionError);
    expect(err.message).toMatch(/after 2 attempts: no answer within 100 ms/);
  });

  it('reports a refused connection as AscentConnectionError', async () => {
    const srv = await faultyServer([]);
    await closeAll();
    const http = new HttpTransport({ baseUrl: srv.url, retry: { maxAttempts: 1 } });
    await expect(http.json({ method: 'GET', path: '/projects' })).rejects.toThrow(/cannot reach Ascent server at .*ECONNREFUSED/);
  });

  it('keeps a path prefix of the base URL and encodes repeated query values', async () => {
    const srv = await faultyServer([{ status: 200, body: '{"items":[]}' }]);
    const http = new HttpTransport({ baseUrl: `${srv.url}/ascent/`, retry: fast, headers: { authorization: 'Bearer t' } });
    await http.json({ method: 'GET', path: '/experiments', query: { orderBy: ['name ASC', 'creation_time DESC'], filter: undefined, maxResults: 5 } });
    expect(srv.requests[0]?.url).toBe('/ascent/api/v1/experiments?orderBy=name+ASC&orderBy=creation_time+DESC&maxResults=5');
  });

  it('streams a download: the timeout bounds each wait for data, not the whole transfer', async () => {
    // Ten chunks 30 ms apart (300 ms in all) under a 100 ms timeout, then a body that stalls.
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.from([sent]));
        if (++sent === 10) {
          clearInterval(timer);
          if (req.url?.endsWith('/stall')) return;
          res.end();
        }
      }, 30);
      req.on('close', () => clearInterval(timer));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 100, retry: fast });
    const collect = async (body: AsyncIterable<Uint8Array>) => {
      const bytes: number[] = [];
      for await (const chunk of body) bytes.push(...chunk);
      return bytes;
    };
    expect(await transport.stream({ method: 'GET', path: '/package.tar.gz' }, collect)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stalled = await transport.stream({ method: 'GET', path: '/stall' }, collect).catch((e: unknown) => e);
    expect(stalled).toBeInstanceOf(AscentConnectionError);
    expect((stalled as Error).message).toMatch(/no answer within 100 ms/);
  });

  it('reads an error answer to a streamed request whole and throws it coded, without calling the consumer', async () => {
    const srv = await faultyServer([{ status: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no package' } }) }]);
    const transport = new HttpTransport({ baseUrl: srv.url, retry: fast });
    let called = false;
    const consume = async () => {
      called = true;
    };
    await expect(transport.stream({ method: 'GET', path: '/x' }, consume)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no package' });
    expect(called).toBe(false);
  });
});
