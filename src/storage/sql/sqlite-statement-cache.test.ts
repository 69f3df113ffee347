import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingSqliteDatabase } from './sqlite-statement-cache.js';

describe('cachingSqliteDatabase', () => {
  it('reuses one statement per SQL text and evicts the least recently used past capacity', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const db = cachingSqliteDatabase(sqlite, 2);
    const a = db.prepare('select 1 as x');
    expect(db.prepare('select 1 as x')).toBe(a);
    const b = db.prepare('select 2 as x');
    db.prepare('select 1 as x'); // a is now the most recent
    db.prepare('select 3 as x'); // evicts b
    expect(db.prepare('select 1 as x')).toBe(a);
    expect(db.prepare('select 2 as x')).not.toBe(b);
    expect(a.all([])).toEqual([{ x: 1 }]);
    db.close();
    expect(sqlite.open).toBe(false);
  });

  it('hands out a fresh statement while the cached one is still iterating', () => {
    const db = cachingSqliteDatabase(new BetterSqlite3(':memory:'));
    const text = 'select value from json_each(?)';
    const outer = db.prepare(text);
    const seen: unknown[] = [];
    for (const row of outer.iterate(['[1,2]'])) {
      seen.push(row, db.prepare(text).all(['[9]']));
    }
    expect(seen).toEqual([{ value: 1 }, [{ value: 9 }], { value: 2 }, [{ value: 9 }]]);
    db.close();
  });
});
