import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase, type SqlDatabase } from '../storage/sql/sql-database.js';
import { FsArtifactStore } from '../storage/artifacts/fs-artifact-store.js';
import { SqlTrackingStore } from '../tracking/sql-store.js';
import { TrackingService } from '../tracking/service.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { SqlRegistryStore } from '../registry/sql-store.js';
import { RegistryService } from '../registry/service.js';
import { LocalExecutor } from './local-executor.js';
import { PipelineService } from './service.js';
import { SqlPipelineStore } from './sql-store.js';
import type { StepExecutor } from './step-executor.js';

/** Real services on a real database and artifact folder, for pipeline tests and benchmarks. */
export interface PipelineHarness {
  dir: string;
  database: SqlDatabase;
  artifacts: FsArtifactStore;
  tracking: TrackingService;
  registry: RegistryService;
  pipelines: PipelineService;
  /** Write a file under the harness folder; returns its absolute path. */
  write(rel: string, text: string): string;
  close(): Promise<void>;
}

export async function openPipelineHarness(options: { databaseUrl?: string; executor?: (artifacts: FsArtifactStore, dir: string) => StepExecutor } = {}): Promise<PipelineHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-pipelines-'));
  const database = await openSqlDatabase({ url: options.databaseUrl ?? `sqlite:${path.join(dir, 'ascent.db')}` });
  const artifacts = new FsArtifactStore(path.join(dir, 'artifacts'));
  const tracking = new TrackingService({ store: new SqlTrackingStore(database) });
  await tracking.init();
  const registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels: new LoggedModelService(tracking) });
  const executor = options.executor?.(artifacts, dir) ?? new LocalExecutor({ artifacts, workRoot: path.join(dir, 'work') });
  const pipelines = new PipelineService({ store: new SqlPipelineStore(database), tracking, registry, artifacts, executor });
  return {
    dir, database, artifacts, tracking, registry, pipelines,
    write(rel, text) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
    async close() {
      await pipelines.close();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
