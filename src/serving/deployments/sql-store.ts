import type { Kysely } from 'kysely';
import { alreadyExists, invalidState, notFound } from '../../core/errors.js';
import type { Database } from '../../storage/sql/schema.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { SqlDialect } from '../../storage/sql/sql-dialect.js';
import type { Deployment, DeploymentRevision, DeploymentSpec } from './model.js';
import type { DeploymentStore, DeploymentWrite } from './store.js';

function toDeployment(r: { name: string; revision: number; spec: string; created_time: number; updated_time: number }): Deployment {
  const spec = JSON.parse(r.spec) as DeploymentSpec;
  return { ...spec, name: r.name, revision: Number(r.revision), createdTime: Number(r.created_time), updatedTime: Number(r.updated_time) };
}

/** DeploymentStore on Kysely, for SQLite and PostgreSQL alike. */
export class SqlDeploymentStore implements DeploymentStore {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  async write(w: DeploymentWrite): Promise<Deployment> {
    const spec = JSON.stringify(w.spec);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('deployments').selectAll().where('name', '=', w.name).executeTakeFirst();
        let revision: number;
        let created: number;
        if (w.expectedRevision === null) {
          if (current) throw alreadyExists(`Deployment '${w.name}' already exists`);
          revision = 1;
          created = w.time;
          // A deleted-then-recreated name starts a fresh history.
          await trx.deleteFrom('deployment_revisions').where('name', '=', w.name).execute();
          await trx.insertInto('deployments').values({ name: w.name, revision, spec, created_time: created, updated_time: w.time }).execute();
        } else {
          if (!current) throw notFound(`Deployment '${w.name}' not found`);
          if (Number(current.revision) !== w.expectedRevision) {
            throw invalidState(`Deployment '${w.name}' is at revision ${current.revision}, not ${w.expectedRevision}; re-read and retry`);
          }
          revision = Number(current.revision) + 1;
          created = Number(current.created_time);
          // The revision guard in WHERE makes a concurrent writer on another replica lose cleanly.
          const res = await trx.updateTable('deployments').set({ revision, spec, updated_time: w.time })
            .where('name', '=', w.name).where('revision', '=', w.expectedRevision).executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw invalidState(`Deployment '${w.name}' changed concurrently; re-read and retry`);
        }
        await trx.insertInto('deployment_revisions').values({ name: w.name, revision, spec, time: w.time, actor: w.actor, message: w.message }).execute();
        return toDeployment({ name: w.name, revision, spec, created_time: created, updated_time: w.time });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) {
        throw w.expectedRevision === null ? alreadyExists(`Deployment '${w.name}' already exists`) : invalidState(`Deployment '${w.name}' changed concurrently; re-read and retry`);
      }
      throw err;
    }
  }

  async get(name: string): Promise<Deployment | null> {
    const r = await this.db.selectFrom('deployments').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toDeployment(r) : null;
  }

  async list(): Promise<Deployment[]> {
    const rows = await this.db.selectFrom('deployments').selectAll().orderBy('name').execute();
    return rows.map(toDeployment);
  }

  async revisions(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('deployments').select(['name', 'revision']).execute();
    return new Map(rows.map((r) => [r.name, Number(r.revision)]));
  }

  async history(name: string, limit: number): Promise<DeploymentRevision[]> {
    const rows = await this.db.selectFrom('deployment_revisions').selectAll().where('name', '=', name).orderBy('revision', 'desc').limit(limit).execute();
    return rows.map(toRevision);
  }

  async getRevision(name: string, revision: number): Promise<DeploymentRevision | null> {
    const r = await this.db.selectFrom('deployment_revisions').selectAll().where('name', '=', name).where('revision', '=', revision).executeTakeFirst();
    return r ? toRevision(r) : null;
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('deployments').where('name', '=', name).executeTakeFirst();
      await trx.deleteFrom('deployment_revisions').where('name', '=', name).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }
}

function toRevision(r: Database['deployment_revisions']): DeploymentRevision {
  return { name: r.name, revision: Number(r.revision), spec: JSON.parse(r.spec) as DeploymentSpec, time: Number(r.time), actor: r.actor, message: r.message };
}
