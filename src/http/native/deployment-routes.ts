import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalid } from '../../core/errors.js';
import type { Deployment } from '../../serving/deployments/model.js';
import type { FeedbackRecord } from '../../serving/inference-record.js';
import { recordsRequest } from '../../serving/codec/index.js';
import { tensorsToPredictions } from '../../serving/router/records-codec.js';
import type { AppServices } from '../app-services.js';
import { stickyValue } from '../inference/serving-services.js';
import type { NativeRouter } from './native-router.js';

const Name = z.object({ name: z.string().min(1).max(100) });
const Records = z.array(z.record(z.string(), z.unknown())).min(1).max(100_000);
const PredictBody = z.union([Records, z.object({ records: Records }).strict()]);
const Feedback = z.object({
  requestId: z.string().min(1).max(256),
  labels: z.array(z.unknown()).max(100_000).optional(),
  reward: z.number().finite().optional(),
  timestamp: z.number().int().min(0).optional(),
}).strict().refine((f) => f.labels !== undefined || f.reward !== undefined, { message: 'labels or reward is required', path: ['labels'] });
const FeedbackBody = z.union([Feedback, z.object({ feedback: z.array(Feedback).min(1).max(10_000) }).strict()]);
const Range = z.object({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  variant: z.string().max(100).optional(),
  shadow: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
const WAIT_MS = 120_000;

/** Acting user from `x-ascent-user` (default `anonymous`). */
function actorOf(request: FastifyRequest): string {
  const h = request.headers['x-ascent-user'];
  const v = (Array.isArray(h) ? h[0] : h)?.trim();
  return v ? v.slice(0, 256) : 'anonymous';
}

/** Deployments (CRUD, traffic, rollback, history, status), native predict, feedback and the inference log. */
export function addDeploymentRoutes(router: NativeRouter, services: AppServices): void {
  const { serving } = services;
  const { deployments, manager } = serving;
  const withStatus = (d: Deployment) => ({ ...d, status: manager.status(d.name) });
  // A write answers once this replica serves the new revision (or failed to load it), like a rollout status.
  const applied = async (d: Deployment) => {
    await Promise.race([manager.sync(d.name), new Promise((r) => setTimeout(r, WAIT_MS).unref())]);
    return withStatus(d);
  };

  router.add({ method: 'GET', url: '/deployments', summary: 'List deployments with their serving status', tag: 'serving', handler: async () => ({ deployments: (await deployments.list()).map(withStatus) }) });
  router.add({ method: 'POST', url: '/deployments', summary: 'Create a deployment (loads and warms its models before answering)', tag: 'serving', body: z.record(z.string(), z.unknown()), handler: async ({ body, request }) => applied(await deployments.create(body, actorOf(request))) });
  router.add({ method: 'GET', url: '/deployments/:name', summary: 'Get a deployment and its status on this replica', tag: 'serving', params: Name, handler: async ({ params }) => withStatus(await deployments.get(params.name)) });
  router.add({ method: 'PUT', url: '/deployments/:name', summary: 'Replace a deployment spec (new revision; zero-downtime swap)', tag: 'serving', params: Name, body: z.record(z.string(), z.unknown()), handler: async ({ params, body, request }) => applied(await deployments.update(params.name, body, actorOf(request))) });
  router.add({ method: 'POST', url: '/deployments/:name/traffic', summary: 'Change weights, canary or shadow percents', tag: 'serving', params: Name, body: z.record(z.string(), z.unknown()), handler: async ({ params, body, request }) => applied(await deployments.setTraffic(params.name, body, actorOf(request))) });
  router.add({
    method: 'POST', url: '/deployments/:name/rollback', summary: 'Roll back to the previous (or a given) revision', tag: 'serving', params: Name,
    body: z.object({ toRevision: z.number().int().min(1).nullish(), message: z.string().max(1000).nullish() }).strict(),
    handler: async ({ params, body, request }) => applied(await deployments.rollback(params.name, body, actorOf(request))),
  });
  router.add({
    method: 'GET', url: '/deployments/:name/revisions', summary: 'Revision history, newest first', tag: 'serving', params: Name,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    handler: async ({ params, query }) => ({ revisions: await deployments.history(params.name, query.limit) }),
  });
  router.add({
    method: 'DELETE', url: '/deployments/:name', summary: 'Delete a deployment (drains, then unloads its models)', tag: 'serving', params: Name,
    handler: async ({ params }) => {
      await deployments.delete(params.name);
      await manager.sync(params.name);
      return {};
    },
  });

  router.add({
    method: 'POST', url: '/deployments/:name/predict', summary: 'Predict on plain JSON records (an array, or {records})', tag: 'serving', params: Name, body: PredictBody,
    handler: async ({ params, body, request }) => {
      const records = Array.isArray(body) ? body : body.records;
      const sticky = stickyValue(request.headers, manager.served(params.name)?.stickyKey, records[0]);
      const r = await manager.predict({ deployment: params.name, requestId: request.id, input: recordsRequest(records), ...(sticky !== undefined ? { stickyKey: sticky } : {}) });
      return { requestId: r.requestId, deployment: r.deployment, variant: r.variant, model: r.modelName, version: r.modelVersion, predictions: tensorsToPredictions(r.outputs) };
    },
  });
  router.add({
    method: 'POST', url: '/deployments/:name/feedback', summary: 'Record ground truth or a reward for request ids (one or a batch)', tag: 'serving', params: Name, body: FeedbackBody,
    handler: async ({ params, body }) => {
      await deployments.get(params.name);
      const items = 'feedback' in body ? body.feedback : [body];
      const now = Date.now();
      const records: FeedbackRecord[] = items.map((f) => ({
        requestId: f.requestId, deployment: params.name, timestamp: f.timestamp ?? now,
        ...(f.labels !== undefined ? { labels: f.labels } : {}), ...(f.reward !== undefined ? { reward: f.reward } : {}),
      }));
      await serving.log.feedback(records);
      return { recorded: records.length };
    },
  });
  router.add({
    method: 'GET', url: '/deployments/:name/predictions', summary: 'Logged predictions, newest first (time range, variant, shadow)', tag: 'serving', params: Name, query: Range,
    handler: async ({ params, query }) => {
      if (query.from !== undefined && query.to !== undefined && query.from > query.to) throw invalid('from must not be after to', 'from');
      return {
        predictions: await serving.log.predictions({
          deployment: params.name, limit: query.limit,
          ...(query.from !== undefined ? { from: query.from } : {}), ...(query.to !== undefined ? { to: query.to } : {}),
          ...(query.variant !== undefined ? { variant: query.variant } : {}), ...(query.shadow !== undefined ? { shadow: query.shadow === 'true' } : {}),
        }),
      };
    },
  });
  router.add({
    method: 'GET', url: '/inference-log', summary: 'Logged predictions and feedback by request id', tag: 'serving',
    query: z.object({ requestIds: z.string().min(1).max(100_000) }),
    handler: async ({ query }) => {
      const ids = query.requestIds.split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.length > 1000) throw invalid('At most 1000 request ids per call', 'requestIds');
      return { predictions: await serving.log.predictionsByRequestIds(ids), feedback: await serving.log.feedbackByRequestIds(ids) };
    },
  });
  router.add({
    method: 'GET', url: '/deployments/:name/stats', summary: 'Per-second request rate, errors and latency of each variant (live, this replica)', tag: 'serving', params: Name,
    query: z.object({ seconds: z.coerce.number().int().min(10).max(300).default(120) }),
    handler: async ({ params, query }) => {
      await deployments.get(params.name);
      return { variants: serving.metrics.series(params.name, query.seconds), logQueueDepth: serving.log.depth, logDropped: serving.log.dropped };
    },
  });
}
