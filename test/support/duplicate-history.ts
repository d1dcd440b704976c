import type { StoreKind } from './stores.js';

/**
 * SQL that writes a history inside the database (a recursive CTE, generate_series): `records - duplicates`
 * deployments of 50 apps five minutes apart, then `duplicates` of them written a second time five seconds
 * later, as a tracker that retried its insert would have, each with one event.
 */
export function duplicateHistory(kind: StoreKind, records: number, duplicates: number): string[] {
  const originals = records - duplicates;
  const columns = 'key, app, env, version, commit_sha, provider, status, is_rollback, created_at, completed_at';
  const copies = `insert into deployments (${columns})
    select key || 'b', app, env, version, commit_sha, provider, 'stale', 0, ${kind === 'sqlite' ? "strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '5 seconds')" : `to_char((cast(created_at as timestamptz) + interval '5 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`}, null
    from deployments where id % 9 = 0 order by id limit ${duplicates}`;
  const events = `insert into deployment_events (deployment_id, at, from_status, to_status, source, detail) select id, created_at, null, status, 'cli', 'recorded' from deployments`;
  if (kind === 'sqlite') {
    return [
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${originals})
       insert into deployments (${columns})
       select 'dep_s' || i, 'app' || (i % 50), 'prod', '1.' || i, printf('%08x', i), 'manual', 'success', 0,
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01T00:00:00Z', (i * 300) || ' seconds'), strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01T00:01:00Z', (i * 300) || ' seconds')
       from n`,
      copies,
      events,
    ];
  }
  const at = (offset: string) => `to_char(timestamp '2025-01-01' + ${offset} + i * interval '300 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return [
    `insert into deployments (${columns})
     select 'dep_s' || i, 'app' || (i % 50), 'prod', '1.' || i, lpad(to_hex(i), 8, '0'), 'manual', 'success', 0, ${at("interval '0 seconds'")}, ${at("interval '60 seconds'")}
     from generate_series(1, ${originals}) i`,
    copies,
    events,
    'analyze',
  ];
}
