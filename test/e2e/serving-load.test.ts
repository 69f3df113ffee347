import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { IRIS } from '../fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from './serving-registry.js';

/**
 * Sustained load on a real listening server (loopback, real onnxruntime-node) while the deployment
 * changes under it: 10 version swaps and canary shifts must cost zero failed requests, the observed
 * split must match the weights, and shadow answers must never reach a caller. Bounded: at most
 * MAX_REQUESTS requests and MAX_MS of load.
 */
const CLIENTS = 12;
const MAX_REQUESTS = 40_000;
const MAX_MS = 90_000;

describe('serving under load: swaps, canary shifts, shadow', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-load-'));
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' }));
    await registerIrisOnnx(server.services, 'iris', 3);
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, { method, headers: { 'content-type': 'application/json', 'x-ascent-user': 'load' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  };

  it('zero failed requests across 10 swaps and canary shifts; split within tolerance; shadows never answer', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'load',
      variants: [
        { name: 'main', model: 'iris/1', concurrency: 8, maxQueue: 10_000 },
        { name: 'canary', model: 'iris/2', role: 'canary', percent: 0, concurrency: 8, maxQueue: 10_000 },
        { name: 'mirror', model: 'iris/3', role: 'shadow', percent: 50, concurrency: 4, maxQueue: 10_000 },
      ],
    });
    const body = JSON.stringify({ inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: [IRIS.rows[0], IRIS.rows[120]] }], outputs: [{ name: 'label' }] });
    const expected = [IRIS.labels[0], IRIS.labels[120]];
    let counting = false;
    const counts = new Map<string, number>();
    const failures: string[] = [];
    let sent = 0;
    let stop = false;
    const started = Date.now();
    const client = async () => {
      while (!stop && sent < MAX_REQUESTS && Date.now() - started < MAX_MS) {
        sent++;
        try {
          const res = await fetch(`${server.url}/v2/models/load/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const json = (await res.json()) as { outputs?: { data: number[] }[]; model_version?: string };
          const variant = res.headers.get('x-ascent-variant') ?? '?';
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(json)}`);
          else if (JSON.stringify(json.outputs?.[0]?.data) !== JSON.stringify(expected)) failures.push(`wrong answer ${JSON.stringify(json)}`);
          else if (variant === 'mirror') failures.push('a shadow answer reached the caller');
          if (counting) counts.set(variant, (counts.get(variant) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    // 10 swaps of the main variant's version, each followed by a canary shift, all under load.
    const percents = [5, 10, 20, 30, 50, 40, 25, 15, 10, 30];
    for (let i = 0; i < 10; i++) {
      const current = (await call('GET', '/api/v1/deployments/load')) as { revision: number; variants: { name: string }[] };
      const variants = current.variants.map((v) => (v.name === 'main' ? { ...v, model: `iris/${(i % 2) + 1}` } : v));
      const updated = await call('PUT', '/api/v1/deployments/load', { variants, expectedRevision: current.revision });
      expect(updated.status).toMatchObject({ state: 'ready' });
      await call('POST', '/api/v1/deployments/load/traffic', { traffic: [{ variant: 'canary', percent: percents[i] }] });
      await new Promise((r) => setTimeout(r, 150));
    }
    // A stable phase at canary 30 % measures the split.
    await new Promise((r) => setTimeout(r, 100));
    counting = true;
    const before = sent;
    const stableUntil = Date.now() + 20_000;
    while (sent - before < 2000 && Date.now() < stableUntil && Date.now() - started < MAX_MS) await new Promise((r) => setTimeout(r, 20));
    counting = false;
    stop = true;
    await Promise.all(clients);

    expect(failures.slice(0, 5)).toEqual([]);
    const n = (counts.get('main') ?? 0) + (counts.get('canary') ?? 0);
    // The tolerance below scales with n; 400 keeps the test meaningful on a slow, shared CI machine.
    expect(n).toBeGreaterThan(400);
    expect(counts.get('mirror') ?? 0).toBe(0);
    const canary = counts.get('canary') ?? 0;
    // 5 standard deviations of a binomial(n, 0.3): fails by chance about once in 3 million runs.
    expect(Math.abs(canary - 0.3 * n)).toBeLessThan(5 * Math.sqrt(n * 0.3 * 0.7));

    // Shadow predictions were made and logged as such, never answered.
    await server.services.serving.log.flush();
    const shadows = await server.services.serving.log.predictions({ deployment: 'load', variant: 'mirror', limit: 10 });
    expect(shadows.length).toBeGreaterThan(0);
    expect(shadows.every((p) => p.shadow && p.modelVersion === '3')).toBe(true);
    const history = (await call('GET', '/api/v1/deployments/load/revisions?limit=100')) as { revisions: unknown[] };
    expect(history.revisions).toHaveLength(21);
    expect(server.services.serving.log.dropped).toBe(0);
  }, 180_000);
});
