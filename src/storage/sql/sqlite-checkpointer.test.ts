import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlDatabase } from './sql-database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('SQLite background checkpoints', () => {
  it('copies committed pages from the WAL into the database file without the serving connection doing it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'a.db');
    const database = await openSqlDatabase({ url: `sqlite:${file}`, backgroundCheckpoints: true });
    // Migrations are checkpointed (or not) already; measure from here.
    await new Promise((r) => setTimeout(r, 500));
    const before = fs.statSync(file).size;
    await sql`create table filler (v text)`.execute(database.db);
    // ~200 pages: below SQLite's default automatic threshold (1000) and the backstop, so only the
    // checkpoint thread can move them into the main file.
    for (let i = 0; i < 20; i++) await sql`insert into filler (v) select ${'x'.repeat(40_000)}`.execute(database.db);
    expect(await until(() => fs.statSync(file).size >= before + 700_000)).toBe(true);
    const row = await sql<{ n: number }>`select count(*) as n from filler`.execute(database.db);
    expect(Number(row.rows[0]!.n)).toBe(20);
    await database.close();
    await database.close().catch(() => undefined);
    const reopened = await openSqlDatabase({ url: `sqlite:${file}` });
    const again = await sql<{ n: number }>`select count(*) as n from filler`.execute(reopened.db);
    expect(Number(again.rows[0]!.n)).toBe(20);
    await reopened.close();
  });

  it('leaves the file alone when not asked (short-lived processes keep SQLite’s own checkpoints)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'b.db');
    const database = await openSqlDatabase({ url: `sqlite:${file}` });
    const before = fs.statSync(file).size;
    await sql`create table filler (v text)`.execute(database.db);
    for (let i = 0; i < 20; i++) await sql`insert into filler (v) select ${'x'.repeat(40_000)}`.execute(database.db);
    await new Promise((r) => setTimeout(r, 600));
    expect(fs.statSync(file).size).toBe(before);
    await database.close();
  });
});
