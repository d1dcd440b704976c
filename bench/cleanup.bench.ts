// cleanup at scale on SQLite: the plan (--duplicates) and its application (--apply) over a history with 10%
// duplicates, at 100,000 records against 10,000 records in the same run. Set-based SQL scales about
// linearly (ratio near 10); a query per record, or a delete that scans the table for links, goes quadratic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { duplicateHistory } from '../test/support/duplicate-history.js';
import { execSql } from '../test/support/snapshot.js';
import { timedRun } from './support/cli-runs.js';
import { sized } from './support/smoke.js';

interface Sizes {
  records: number;
  duplicates: number;
}

interface CleanupCost {
  sizes: Sizes;
  planMs: number;
  applyMs: number;
  applyRssMiB?: number;
}

const bin = 'bin/shiplog.js';

async function measure(dir: string, sizes: Sizes): Promise<CleanupCost> {
  const spec = join(dir, `cleanup-${sizes.records}.db`);
  const store = { kind: 'sqlite' as const, spec, dir, cleanup: async () => undefined };
  // Reading never creates a store; doctor --fix does, with the schema the history goes into.
  timedRun([bin, '--db', spec, 'doctor', '--fix']);
  for (const statement of duplicateHistory('sqlite', sizes.records, sizes.duplicates)) await execSql(store, statement);
  const plan = timedRun([bin, '--db', spec, '--json', 'cleanup', '--duplicates']);
  const apply = timedRun([bin, '--db', spec, '--json', 'cleanup', '--duplicates', '--apply', '--backup', join(dir, `backup-${sizes.records}.db`)]);
  const left = remainingRecords(spec);
  if (left !== sizes.records - sizes.duplicates) throw new Error(`cleanup --apply left ${left} of ${sizes.records} records; ${sizes.duplicates} were duplicates`);
  return { sizes, planMs: plan.wallMs, applyMs: apply.wallMs, applyRssMiB: apply.peakRssMiB };
}

function remainingRecords(spec: string): number {
  const db = new BetterSqlite3(spec, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('select count(*) as n from deployments').get()!.n;
  } finally {
    db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-cleanup-'));
try {
  const small = await measure(dir, sized({ records: 10_000, duplicates: 1_000 }, { records: 100, duplicates: 10 }));
  const large = await measure(dir, sized({ records: 100_000, duplicates: 10_000 }, { records: 1_000, duplicates: 100 }));
  const size = (sizes: Sizes) => `${sizes.records / 1_000}k`;
  const rss = (cost: CleanupCost) => (cost.applyRssMiB === undefined ? '' : `  peak RSS ${cost.applyRssMiB.toFixed(0)} MiB`);
  process.stdout.write(
    [
      `cleanup --duplicates on SQLite, 10% duplicates (baseline: ${small.sizes.records.toLocaleString('en-US')} records in the same run; linear scaling is ×10)`,
      `  plan    ${size(small.sizes)} ${small.planMs.toFixed(0)} ms   ${size(large.sizes)} ${large.planMs.toFixed(0)} ms   ×${(large.planMs / small.planMs).toFixed(1)}`,
      `  apply   ${size(small.sizes)} ${small.applyMs.toFixed(0)} ms   ${size(large.sizes)} ${large.applyMs.toFixed(0)} ms   ×${(large.applyMs / small.applyMs).toFixed(1)}${rss(large)}`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
