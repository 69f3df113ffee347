import { z } from 'zod';
import type { AppServices } from '../app-services.js';
import type { NativeRouter } from './native-router.js';
import { ExperimentSchema, KeyValueSchema, ProjectSchema, ViewTypeParam, optionalInt, page, stringList } from './native-schemas.js';

const ExperimentParams = z.object({ experimentId: z.string().regex(/^\d+$/, 'must be a numeric experiment id') });

/** Projects and experiments. */
export function addExperimentRoutes(router: NativeRouter, { tracking }: AppServices): void {
  router.add({
    method: 'GET',
    url: '/projects',
    summary: 'List projects',
    tag: 'projects',
    response: z.object({ items: z.array(ProjectSchema) }),
    handler: async () => ({ items: await tracking.listProjects() }),
  });
  router.add({
    method: 'POST',
    url: '/projects',
    summary: 'Create a project',
    tag: 'projects',
    body: z.object({ name: z.string(), description: z.string().nullish() }),
    response: ProjectSchema,
    handler: async ({ body }) => tracking.createProject(body),
  });
  router.add({
    method: 'GET',
    url: '/experiments',
    summary: 'Search experiments',
    tag: 'experiments',
    query: z.object({ viewType: ViewTypeParam, filter: z.string().optional(), orderBy: stringList, maxResults: optionalInt, pageToken: z.string().optional(), projectId: z.string().optional() }),
    response: page(ExperimentSchema),
    handler: async ({ query }) => {
      const filter = query.projectId ? [query.filter, `tags.\`ascent.project\` = '${query.projectId.replaceAll("'", '')}'`].filter(Boolean).join(' AND ') : query.filter;
      return tracking.searchExperiments({ viewType: query.viewType ?? null, filter: filter ?? null, orderBy: query.orderBy ?? null, maxResults: query.maxResults ?? null, pageToken: query.pageToken ?? null });
    },
  });
  router.add({
    method: 'POST',
    url: '/experiments',
    summary: 'Create an experiment',
    tag: 'experiments',
    body: z.object({ name: z.string(), artifactLocation: z.string().nullish(), tags: z.array(KeyValueSchema).optional(), projectId: z.string().nullish() }),
    response: z.object({ experimentId: z.string() }),
    handler: async ({ body }) => ({ experimentId: await tracking.createExperiment(body) }),
  });
  router.add({
    method: 'GET',
    url: '/experiments/by-name/:name',
    summary: 'Get an experiment by name',
    tag: 'experiments',
    params: z.object({ name: z.string().min(1) }),
    response: ExperimentSchema,
    handler: async ({ params }) => tracking.getExperimentByName(params.name),
  });
  router.add({
    method: 'GET',
    url: '/experiments/:experimentId',
    summary: 'Get an experiment',
    tag: 'experiments',
    params: ExperimentParams,
    response: ExperimentSchema,
    handler: async ({ params }) => tracking.getExperiment(params.experimentId),
  });
  router.add({
    method: 'PATCH',
    url: '/experiments/:experimentId',
    summary: 'Rename an experiment',
    tag: 'experiments',
    params: ExperimentParams,
    body: z.object({ name: z.string() }),
    response: ExperimentSchema,
    handler: async ({ params, body }) => {
      await tracking.renameExperiment(params.experimentId, body.name);
      return tracking.getExperiment(params.experimentId);
    },
  });
  router.add({
    method: 'DELETE',
    url: '/experiments/:experimentId',
    summary: 'Delete an experiment (and mark its runs deleted)',
    tag: 'experiments',
    params: ExperimentParams,
    handler: async ({ params }) => tracking.deleteExperiment(params.experimentId),
  });
  router.add({
    method: 'POST',
    url: '/experiments/:experimentId/restore',
    summary: 'Restore a deleted experiment',
    tag: 'experiments',
    params: ExperimentParams,
    handler: async ({ params }) => tracking.restoreExperiment(params.experimentId),
  });
  router.add({
    method: 'PUT',
    url: '/experiments/:experimentId/tags/:key',
    summary: 'Set an experiment tag',
    tag: 'experiments',
    params: ExperimentParams.extend({ key: z.string() }),
    body: z.object({ value: z.string() }),
    handler: async ({ params, body }) => tracking.setExperimentTag(params.experimentId, params.key, body.value),
  });
}
