import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../core/package-info.js';

/**
 * Paths the UI never answers: they belong to the APIs, whose own 404s (JSON, MLflow-shaped) must
 * not be replaced by an HTML page.
 */
const API_PATH = /^\/(?:api|ajax-api)(?:\/|$)|^\/(?:v2|health|version|metrics|invocations)(?:[/?]|$)/;
/** Vite puts every hashed bundle under assets/; a missing file (old bundle, favicon) is a real 404, not a page. */
const ASSET_PATH = /^\/assets\/|\.(?:js|mjs|css|map|ico|png|svg|jpe?g|gif|webp|woff2?|txt|webmanifest)$/;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export interface WebUiOptions {
  /** Folder holding the built UI (default `<package root>/dist/web`). */
  root?: string;
}

/** True for a request path the single-page app should answer with index.html. */
export function isUiPath(urlPath: string): boolean {
  return !API_PATH.test(urlPath) && !ASSET_PATH.test(urlPath);
}

function buildMissingPage(root: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ascent</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:640px;margin:80px auto;padding:0 20px;color:#1d2330}
code{background:#f1f3f6;padding:2px 6px;border-radius:4px}</style></head>
<body><h1>Ascent server is running</h1>
<p>The web UI has not been built: <code>${root.replace(/[<>&]/g, '')}</code> does not exist.</p>
<p>Run <code>npm run build</code> (or <code>npx vite build web</code>) in the Ascent package and reload this page.
The APIs under <code>/api/v1</code> and <code>/api/2.0/mlflow</code> work without it.</p></body></html>`;
}

/**
 * Serve the built single-page UI at `/`: hashed assets cached for a year, index.html revalidated
 * on every load, and index.html for any other non-API GET so client-side routes survive a reload.
 * Without a build, `/` explains how to make one instead of failing the server.
 */
export async function registerWebUi(app: FastifyInstance, options: WebUiOptions = {}): Promise<void> {
  const root = options.root ?? path.join(packageRoot(), 'dist', 'web');
  const indexFile = path.join(root, 'index.html');

  if (!fs.existsSync(indexFile)) {
    const page = buildMissingPage(root);
    registerFallback(app, (reply) => reply.status(200).header('cache-control', REVALIDATE).type('text/html; charset=utf-8').send(page));
    return;
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Routes for the files present at start-up; everything else reaches the not-found handler below.
    wildcard: false,
    index: false,
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (reply, filePath) => {
      const relative = path.relative(root, filePath).split(path.sep).join('/');
      reply.header('cache-control', relative.startsWith('assets/') ? IMMUTABLE : relative === 'index.html' ? REVALIDATE : 'public, max-age=3600');
    },
  });

  registerFallback(app, (reply) => reply.status(200).header('cache-control', REVALIDATE).sendFile('index.html', root, { cacheControl: false }));
}

/**
 * Answer unmatched GETs of UI paths with the app page. This is the root not-found handler rather
 * than a `/*` route so that API scopes keep their own not-found handlers (a wildcard route would
 * win over them); unmatched API paths get the native error shape.
 */
function registerFallback(app: FastifyInstance, sendPage: (reply: FastifyReply) => FastifyReply | Promise<FastifyReply>): void {
  app.setNotFoundHandler(async (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if ((request.method === 'GET' || request.method === 'HEAD') && isUiPath(urlPath)) return sendPage(reply);
    return reply.status(404).send({ error: { code: 'ENDPOINT_NOT_FOUND', message: `No route ${request.method} ${urlPath}` } });
  });
}
