import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerWebUi } from '../../src/http/web-ui.js';

// In-process checks of how the server serves the UI, on a throw-away build folder.

let app: FastifyInstance | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-webui-'));
  dirs.push(dir);
  return dir;
}

async function appWith(root: string): Promise<FastifyInstance> {
  app = Fastify();
  // A stand-in for an API route, to check the UI never shadows one.
  app.get('/api/v1/projects', async () => ({ items: [] }));
  await registerWebUi(app, { root });
  return app;
}

describe('registerWebUi', () => {
  it('serves a built UI: index.html revalidated, hashed assets immutable, SPA fallback for UI paths only', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const server = await appWith(root);

    for (const url of ['/', '/experiments/7', '/runs/0123abcd?tab=1', '/compare?runs=a,b']) {
      const res = await server.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toContain('<div id="root">');
    }
    const asset = await server.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    expect((await server.inject({ url: '/api/v1/projects' })).json()).toEqual({ items: [] });
    for (const url of ['/api/v1/nope', '/ajax-api/2.0/mlflow/x', '/v2/models', '/metrics', '/invocations', '/assets/old-999.js', '/favicon.ico']) {
      const res = await server.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('ENDPOINT_NOT_FOUND');
    }
    expect((await server.inject({ method: 'POST', url: '/experiments/7' })).statusCode).toBe(404);
  });

  it('explains how to build the UI when dist/web is missing, without breaking the APIs', async () => {
    const server = await appWith(path.join(tempDir(), 'missing'));
    const res = await server.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('npm run build');
    expect((await server.inject({ url: '/runs/abc' })).body).toContain('npm run build');
    expect((await server.inject({ url: '/api/v1/projects' })).statusCode).toBe(200);
    expect((await server.inject({ url: '/api/v1/nope' })).statusCode).toBe(404);
  });
});
