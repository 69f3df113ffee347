import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedLookup } from './address-policy.js';
import type { WebhookRequestBody } from './model.js';
import { WebhookSender } from './webhook-sender.js';

// Real HTTP exchanges with a node:http server on 127.0.0.1 that misbehaves in the ways receivers do.
describe('WebhookSender', () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<net.Socket>();
  const sender = new WebhookSender({ version: '9.9.9', timeoutMs: 10_000 });
  const body: WebhookRequestBody = { id: 'wh_x:1', seq: 1, type: 'model.created', time: 1, model: { id: 'rm_1', name: 'm' }, version: null, alias: null, fromVersion: null, toVersion: null, actor: 'ada', reason: null, payload: {} };
  const target = (path: string) => ({ url: `${base}${path}`, secret: 's'.repeat(32), allowPrivate: true });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/hang') return; // never answers
      if (req.url === '/redirect') {
        res.writeHead(307, { location: `${base}/ok` }).end();
        return;
      }
      if (req.url === '/teapot') {
        res.writeHead(418).end(`short and stout ${'x'.repeat(1000)}`);
        return;
      }
      res.writeHead(200).end('ok');
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports 2xx as delivered', async () => {
    expect(await sender.send(target('/ok'), body)).toMatchObject({ ok: true, statusCode: 200, error: null, aborted: false });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const impatient = new WebhookSender({ version: '9.9.9', timeoutMs: 300 });
    expect(await impatient.send(target('/hang'), body)).toMatchObject({ ok: false, statusCode: null, error: 'timed out after 300 ms' });
  });

  it('does not follow redirects, and keeps a truncated body of an error answer', async () => {
    expect(await sender.send(target('/redirect'), body)).toMatchObject({ ok: false, statusCode: 307, error: 'HTTP 307' });
    const teapot = await sender.send(target('/teapot'), body);
    expect(teapot).toMatchObject({ ok: false, statusCode: 418 });
    expect(teapot.error!.startsWith('HTTP 418: short and stout xxx')).toBe(true);
    expect(teapot.error!.length).toBeLessThan(230);
  });

  it('reports a refused connection as a failed attempt, and an abort as aborted', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    expect(await sender.send({ ...target(''), url: `http://127.0.0.1:${closed}/` }, body)).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/ECONNREFUSED/) });
    const abort = new AbortController();
    const pending = sender.send(target('/hang'), body, { signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    expect(await pending).toMatchObject({ ok: false, aborted: true, error: expect.stringMatching(/^interrupted/) });
  });

  it('connects to the pinned, already checked addresses: the host name is not looked up again', async () => {
    const port = (server.address() as net.AddressInfo).port;
    for (const family of [0, 4]) {
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: 'never-resolves.invalid', port, path: '/ok', family, agent: false, lookup: pinnedLookup([{ address: '127.0.0.1', family: 4 }]) }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    }
    const v6only = new Promise((resolve, reject) => http.get({ host: 'never-resolves.invalid', port, family: 6, agent: false, lookup: pinnedLookup([{ address: '127.0.0.1', family: 4 }]) }, resolve).on('error', reject));
    await expect(v6only).rejects.toThrow(/no checked IPv6 address/);
  });
});
