import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteDatabase } from '../src/db/sqlite-library.js';
import { withStatementCache } from '../src/db/statement-cache.js';

let dir: string;
let database: BetterSqlite3.Database;
let compiled: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shiplog-statement-cache-'));
  database = openSqliteDatabase(join(dir, 'cache.db'));
  database.exec('create table t (n integer)');
  database.prepare('insert into t (n) values (1), (2), (3)').run();
  compiled = [];
  const prepare = database.prepare.bind(database);
  database.prepare = ((sql: string) => {
    compiled.push(sql);
    return prepare(sql);
  }) as typeof database.prepare;
});

afterEach(() => {
  if (database.open) database.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a query run a thousand times is compiled once', () => {
  const cached = withStatementCache(database);
  for (let i = 0; i < 1_000; i += 1) expect(cached.prepare('select n from t where n = ?').all([2])).toEqual([{ n: 2 }]);
  cached.prepare('update t set n = n + 1 where n = ?').run([3]);
  expect(compiled).toEqual(['select n from t where n = ?', 'update t set n = n + 1 where n = ?']);
});

it('a statement still stepping through its rows is not handed out again: the same query runs on a statement of its own', () => {
  const cached = withStatementCache(database);
  const rows = cached.prepare('select n from t order by n').iterate([]);
  expect(rows.next().value).toEqual({ n: 1 });
  expect(cached.prepare('select n from t order by n').all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
  expect(compiled).toHaveLength(2);
});

it('past 200 distinct queries the one unused longest is dropped, and compiled again when it comes back', () => {
  const cached = withStatementCache(database);
  const query = (i: number) => `select n + ${i} as m from t where n = 1`;
  for (let i = 0; i <= 200; i += 1) cached.prepare(query(i));
  cached.prepare(query(200));
  expect(compiled).toHaveLength(201);
  expect(cached.prepare(query(0)).all([])).toEqual([{ m: 1 }]);
  expect(compiled).toHaveLength(202);
  cached.prepare(query(2));
  expect(compiled).toHaveLength(202);
});

it('closing closes the connection', () => {
  withStatementCache(database).close();
  expect(database.open).toBe(false);
});
