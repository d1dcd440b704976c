import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Queryable } from './store.js';

/** Rows a PostgreSQL cursor hands over at a time: a few hundred kilobytes of records. */
const rowsPerFetch = 1_000;

let cursorsOpened = 0;

/**
 * The rows of `query` (which carries its order, if any), a page of at most `pageSize` at a time, so a result of any
 * size holds one page in memory. Inside a transaction, which keeps one snapshot for the whole read: SQLite steps its
 * statement (no other statement may run on the connection until the rows are all read or the loop is left);
 * PostgreSQL fetches from a cursor, which lives inside the transaction and needs no session state, so it works
 * through a pooler in transaction mode too.
 */
export async function* pagesOfRows<DB, TB extends keyof DB, Row>(
  tx: Queryable,
  kind: StoreDialect['kind'],
  query: SelectQueryBuilder<DB, TB, Row>,
  pageSize: number,
): AsyncGenerator<Row[]> {
  if (kind === 'sqlite') {
    let page: Row[] = [];
    for await (const row of query.stream()) {
      page.push(row);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
    return;
  }
  const cursor = sql.id(`shiplog_rows_${++cursorsOpened}`);
  await sql`declare ${cursor} no scroll cursor for ${query}`.execute(tx);
  let failed = false;
  try {
    for (;;) {
      const { rows } = await sql<Row>`fetch forward ${sql.lit(pageSize)} from ${cursor}`.execute(tx).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
    }
  } finally {
    // Closed once read, so the transaction may change the tables it read; after a failed fetch the transaction is
    // over and takes the cursor with it.
    if (!failed) await sql`close ${cursor}`.execute(tx);
  }
}

/** The rows of `query` one by one, read a page at a time as pagesOfRows reads them. */
export async function* streamRows<DB, TB extends keyof DB, Row>(tx: Queryable, kind: StoreDialect['kind'], query: SelectQueryBuilder<DB, TB, Row>): AsyncGenerator<Row> {
  for await (const page of pagesOfRows(tx, kind, query, rowsPerFetch)) yield* page;
}

/** The rows of a query written in SQL, in no particular order, a page at a time as pagesOfRows reads them. */
export function pagesOfRawRows<Row>(tx: Queryable, kind: StoreDialect['kind'], query: RawBuilder<Row>, pageSize: number): AsyncGenerator<Row[]> {
  return pagesOfRows(tx, kind, tx.selectFrom(sql<Row>`(${query})`.as('r')).selectAll(), pageSize) as AsyncGenerator<Row[]>;
}

/** The rows of a query written in SQL, in the order of its column `orderColumn`, as streamRows reads them. */
export function streamRawRows<Row>(tx: Queryable, kind: StoreDialect['kind'], query: RawBuilder<Row>, orderColumn: string): AsyncGenerator<Row> {
  return streamRows(tx, kind, tx.selectFrom(sql<Row>`(${query})`.as('r')).selectAll().orderBy(sql.ref(`r.${orderColumn}`))) as AsyncGenerator<Row>;
}
