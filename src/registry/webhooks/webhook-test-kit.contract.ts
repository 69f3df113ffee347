import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { WebhookRequestBody } from './model.js';

/**
 * Test-only helpers for the webhook suites: a real HTTP receiver and the verification snippets of
 * docs/webhooks.md. (The `.contract.ts` suffix keeps this file out of the build, like the contracts.)
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Received {
  id: string;
  body: WebhookRequestBody;
  /** The body exactly as it arrived, for signature checks. */
  raw: string;
  headers: http.IncomingHttpHeaders;
}

/** What the receiver answers: a status code, or `hang` (never answer; the client must give up). */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: Received[];
  /** Requests answered 2xx, in the order they were answered. */
  accepted: Received[];
  /** Ids that arrived while a request with the same id was still being answered. */
  concurrentDuplicates: string[];
  /** Ids that arrived while an event of the same model was still being answered (breaks per-model order). */
  modelOverlaps: string[];
  close(): Promise<void>;
}

/** A real node:http receiver on 127.0.0.1; `answer` sees each request and its arrival index. */
export async function startReceiver(answer: (r: Received, index: number) => Answer | Promise<Answer> = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const accepted: Received[] = [];
  const concurrentDuplicates: string[] = [];
  const modelOverlaps: string[] = [];
  const inFlight = new Map<string, number>();
  const modelsInFlight = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as WebhookRequestBody;
      const received: Received = { id: body.id, body, raw, headers: req.headers };
      const index = requests.push(received) - 1;
      const model = body.model?.id ?? '';
      if ((inFlight.get(body.id) ?? 0) > 0) concurrentDuplicates.push(body.id);
      if ((modelsInFlight.get(model) ?? 0) > 0 && model) modelOverlaps.push(body.id);
      inFlight.set(body.id, (inFlight.get(body.id) ?? 0) + 1);
      modelsInFlight.set(model, (modelsInFlight.get(model) ?? 0) + 1);
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        inFlight.set(body.id, inFlight.get(body.id)! - 1);
        modelsInFlight.set(model, modelsInFlight.get(model)! - 1);
      };
      void Promise.resolve(answer(received, index)).then((status) => {
        if (status === 'hang') {
          res.on('close', settle);
          return;
        }
        settle();
        if (status >= 200 && status < 300) accepted.push(received);
        res.statusCode = status;
        res.end(status >= 200 && status < 300 ? 'ok' : `receiver says no (${status})`);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    accepted,
    concurrentDuplicates,
    modelOverlaps,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Poll until `probe` returns something truthy; fail with `what` when it never does. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The fenced code block of docs/webhooks.md in `lang` that contains `marker`. */
export function docsSnippet(lang: string, marker: string): string {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'webhooks.md'), 'utf8');
  const blocks = [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes(marker));
  if (!block) throw new Error(`docs/webhooks.md has no ${lang} block with ${marker}`);
  return block;
}

export type Verifier = (secret: string, rawBody: string, headers: Record<string, string | string[] | undefined>, toleranceSeconds?: number) => boolean;

/** `verifyAscentWebhook`, compiled from the TypeScript snippet users copy out of docs/webhooks.md. */
export async function docsTypeScriptVerifier(): Promise<Verifier> {
  const source = docsSnippet('ts', 'verifyAscentWebhook');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-docs-')), 'verify.mjs');
  fs.writeFileSync(file, js);
  const mod = (await import(pathToFileURL(file).href)) as { verifyAscentWebhook: Verifier };
  return mod.verifyAscentWebhook;
}
