import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import type { AscentError } from '../../core/errors.js';
import { startQueueWorker } from './start-queue-worker.js';

const code = (fn: () => Promise<unknown>) => fn().then(() => 'ok', (e: AscentError) => `${e.code}:${e.field ?? ''}`);

describe('queue executor configuration', () => {
  it('the server refuses the queue executor without PostgreSQL, naming the setting', async () => {
    expect(await code(async () => loadConfig({ dataDir: '/tmp/ascent-x' }, { ASCENT_PIPELINE_EXECUTOR: 'queue' }))).toBe('INVALID_ARGUMENT:pipelineExecutor');
    expect(await code(async () => loadConfig({ dataDir: '/tmp/ascent-x' }, { ASCENT_PIPELINE_EXECUTOR: 'kubernetes' }))).toBe('INVALID_ARGUMENT:pipelineExecutor');
    expect(loadConfig({ dataDir: '/tmp/ascent-x' }, { ASCENT_PIPELINE_EXECUTOR: 'queue', ASCENT_DATABASE_URL: 'postgres://db/ascent' }).pipelineExecutor).toBe('queue');
    expect(loadConfig({ dataDir: '/tmp/ascent-x' }, {}).pipelineExecutor).toBe('local');
  });

  it('a worker refuses SQLite and a bad concurrency before connecting anywhere', async () => {
    expect(await code(() => startQueueWorker({ databaseUrl: 'sqlite:/tmp/x.db', artifactsUri: '/tmp/a', concurrency: 1 }))).toBe('INVALID_ARGUMENT:databaseUrl');
    expect(await code(() => startQueueWorker({ databaseUrl: 'postgres://127.0.0.1:1/none', artifactsUri: '/tmp/a', concurrency: 0 }))).toBe('INVALID_ARGUMENT:concurrency');
  });
});
