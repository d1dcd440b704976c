import { sql, type RawBuilder } from 'kysely';
import type { StoreDialect } from './dialect.js';

/*
 * Time arithmetic inside a query, on the stored ISO-8601 UTC text (`toISOString()`): the one place where
 * SQLite and PostgreSQL spell time differently.
 */

/** The time in `column` as milliseconds since the epoch. */
export function epochMs(kind: StoreDialect['kind'], column: string): RawBuilder<number> {
  const ref = sql.ref(column);
  return kind === 'sqlite'
    ? sql<number>`((julianday(${ref}) - 2440587.5) * 86400000.0)`
    : sql<number>`(extract(epoch from cast(${ref} as timestamptz)) * 1000)`;
}

/**
 * The time in `column` moved by `ms`, written the way times are stored, so it compares as text against a
 * stored column and an index on that column serves the comparison.
 */
export function shiftedIso(kind: StoreDialect['kind'], column: string, ms: number): RawBuilder<string> {
  const ref = sql.ref(column);
  const seconds = ms / 1000;
  return kind === 'sqlite'
    ? sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', ${ref}, ${sql.lit(`${seconds} seconds`)})`
    : sql<string>`to_char((cast(${ref} as timestamptz) + ${sql.lit(`${seconds} seconds`)}::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Milliseconds from the time in `earlier` to the time in `later`, whole (as Date.parse differences are); null when either is. */
export function msBetween(kind: StoreDialect['kind'], earlier: RawBuilder<unknown>, later: RawBuilder<unknown>): RawBuilder<number | null> {
  return kind === 'sqlite'
    ? sql<number | null>`round((julianday(${later}) - julianday(${earlier})) * 86400000.0)`
    : sql<number | null>`round(extract(epoch from (cast(${later} as timestamptz) - cast(${earlier} as timestamptz))) * 1000)`;
}

/** The Monday (00:00 UTC) of the week the time in `column` falls in, `YYYY-MM-DD`: ISO weeks, as the report draws them. */
export function weekOf(kind: StoreDialect['kind'], column: RawBuilder<unknown>): RawBuilder<string> {
  return kind === 'sqlite'
    ? sql<string>`date(${column}, '-6 days', 'weekday 1')`
    : sql<string>`to_char(date_trunc('week', cast(${column} as timestamptz) at time zone 'UTC'), 'YYYY-MM-DD')`;
}
