import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawHttpClient } from '../../bench/support/raw-http.js';

// The serving bench's load client reads answers itself: it must see what node:http's client sees.
describe('RawHttpClient (bench/support/raw-http.ts)', () => {
  let server: http.Server;
  let url: string;
  const seen: { method: string; url: string; body: string; type: string | undefined }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString(), type: req.headers['content-type'] });
        const path = req.url!;
        if (path === '/length') return void res.end(JSON.stringify({ ok: true }));
        if (path === '/chunked') {
          // Three writes and no length: chunked encoding, sent in separate packets.
          res.write('{"a":');
          setTimeout(() => res.write('"0\\r\\n\\r\\n",'), 5);
          setTimeout(() => res.end('"b":2}'), 10);
          return;
        }
        if (path === '/split') {
          res.setHeader('content-length', 10_000);
          res.write('x'.repeat(4_000));
          setTimeout(() => res.end('y'.repeat(6_000)), 5);
          return;
        }
        if (path === '/bad') {
          res.statusCode = 422;
          return void res.end('nope');
        }
        if (path === '/close') {
          res.setHeader('connection', 'close');
          return void res.end('bye');
        }
        if (path === '/hang') return;
        if (path === '/drop') return void req.socket.destroy();
        res.statusCode = 404;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the body once per request and reads answers by length, chunked or split', async () => {
    const c = new RawHttpClient(url);
    const body = Buffer.from('{"x":1}');
    for (let i = 0; i < 3; i++) {
      const r = await c.request('POST', '/length', body);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString())).toEqual({ ok: true });
      expect(r.ms).toBeGreaterThan(0);
    }
    expect(seen.slice(-3)).toEqual(Array(3).fill({ method: 'POST', url: '/length', body: '{"x":1}', type: 'application/json' }));
    expect((await c.request('POST', '/chunked', 'q')).body.toString()).toBe('{"a":"0\\r\\n\\r\\n","b":2}');
    const split = await c.request('GET', '/split');
    expect(split.body.toString()).toBe('x'.repeat(4_000) + 'y'.repeat(6_000));
    expect(seen.at(-1)).toMatchObject({ method: 'GET', body: '', type: undefined });
    expect(await c.request('POST', '/bad', body)).toMatchObject({ status: 422 });
    c.close();
  });

  it('reconnects after the server closes, and fails a request whose answer never comes or is cut', async () => {
    const c = new RawHttpClient(url);
    expect((await c.request('POST', '/close', 'x')).body.toString()).toBe('bye');
    expect((await c.request('POST', '/length', 'x')).status).toBe(200);
    await expect(c.request('POST', '/hang', 'x', 200)).rejects.toThrow(/no response within/);
    await expect(c.request('POST', '/drop', 'x')).rejects.toThrow(/closed before the answer/);
    expect((await c.request('POST', '/length', 'x')).status).toBe(200);
    expect(() => new RawHttpClient('http://example.com:80')).toThrow(/only target 127.0.0.1/);
    c.close();
  });
});
