import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlDatabase, type SqlDatabase } from './sql-database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openWithWriter(): Promise<{ database: SqlDatabase; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-bgw-'));
  dirs.push(dir);
  const file = path.join(dir, 'a.db');
  const database = await openSqlDatabase({ url: `sqlite:${file}`, backgroundCheckpoints: true, backgroundWrites: true });
  await sql`create table events (id integer primary key, k text not null, v real)`.execute(database.db);
  await sql`create index events_k on events (k)`.execute(database.db);
  return { database, file };
}

const COLUMNS = [{ name: 'k', pgType: 'text' }, { name: 'v', pgType: 'double precision' }] as const;
const count = async (database: SqlDatabase) => Number((await sql<{ n: number }>`select count(*) as n from events`.execute(database.db)).rows[0]!.n);
const changesOnMain = async (database: SqlDatabase) => Number((await sql<{ n: number }>`select total_changes() as n`.execute(database.db)).rows[0]!.n);

describe('SQLite background writer', () => {
  it('appends on its own connection; once the promise resolves the main connection reads the rows', async () => {
    const { database } = await openWithWriter();
    const before = await changesOnMain(database);
    await database.background!.insert({ table: 'events', columns: COLUMNS, rows: Array.from({ length: 500 }, (_, i) => [`k${i}`, i / 2]) });
    expect(await count(database)).toBe(500);
    // total_changes counts this connection's writes only: none of the 500 were made on it.
    expect(await changesOnMain(database)).toBe(before);
    const row = await sql<{ k: string; v: number }>`select k, v from events where k = 'k7'`.execute(database.db);
    expect(row.rows).toEqual([{ k: 'k7', v: 3.5 }]);
    await database.close();
  });

  it('a failed batch rejects with the SQLite error, writes nothing of it, and the writer goes on', async () => {
    const { database } = await openWithWriter();
    await expect(database.background!.insert({ table: 'nope', columns: COLUMNS, rows: [['a', 1]] })).rejects.toThrow(/background SQLite write failed: no such table: nope/);
    await expect(database.background!.insert({ table: 'events', columns: [{ name: 'k', pgType: 'text' }], rows: [['a'], [null]] })).rejects.toThrow(/NOT NULL/);
    expect(await count(database)).toBe(0);
    expect(database.background!.healthy).toBe(true);
    await database.background!.insert({ table: 'events', columns: COLUMNS, rows: [['b', 2]] });
    expect(await count(database)).toBe(1);
    await database.close();
  });

  it('main-connection transactions that read and then write never fail with SQLITE_BUSY while it writes', async () => {
    const { database } = await openWithWriter();
    await sql`create table counters (name text primary key, n integer not null)`.execute(database.db);
    await sql`insert into counters values ('c', 0)`.execute(database.db);
    const appends = Array.from({ length: 40 }, (_, b) => database.background!.insert({ table: 'events', columns: COLUMNS, rows: Array.from({ length: 200 }, (_, i) => [`b${b}-${i}`, i]) }));
    // Each transaction reads, waits while the writer thread commits batches, then writes: a deferred
    // transaction would fail its write with SQLITE_BUSY (its snapshot is stale), an immediate one
    // holds the lock and the writer waits.
    for (let t = 0; t < 20; t++) {
      await database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select n from counters where name = 'c'`.execute(trx);
        await new Promise((r) => setTimeout(r, 5));
        await sql`update counters set n = ${Number(rows[0]!.n) + 1} where name = 'c'`.execute(trx);
      });
    }
    await Promise.all(appends);
    expect(await count(database)).toBe(8000);
    expect(Number((await sql<{ n: number }>`select n from counters`.execute(database.db)).rows[0]!.n)).toBe(20);
    await database.close();
  });

  it('close finishes the writes already sent before the thread stops', async () => {
    const { database, file } = await openWithWriter();
    const sent = database.background!.insert({ table: 'events', columns: COLUMNS, rows: Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]) });
    await database.close();
    await sent;
    const reopened = await openSqlDatabase({ url: `sqlite:${file}` });
    expect(await count(reopened)).toBe(3000);
    await reopened.close();
  });
});
