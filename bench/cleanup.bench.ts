// cleanup at scale on SQLite: the plan (--duplicates) and its application (--apply) over a history with 10%
// duplicates, at 100,000 records against 10,000 records in the same run. Set-based SQL scales about
// linearly (ratio near 10); a query per record, or a delete that scans the table for links, goes quadratic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplicateHistory } from '../test/support/duplicate-history.js';
import { execSql } from '../test/support/snapshot.js';
import { timedRun } from './support/cli-runs.js';

interface Sizes {
  records: number;
  duplicates: number;
}

interface CleanupCost {
  planMs: number;
  applyMs: number;
  applyRssMiB?: number;
}

const bin = 'bin/shiplog.js';

async function measure(dir: string, sizes: Sizes): Promise<CleanupCost> {
  const spec = join(dir, `cleanup-${sizes.records}.db`);
  const store = { kind: 'sqlite' as const, spec, dir, cleanup: async () => undefined };
  timedRun([bin, '--db', spec, 'history']);
  for (const statement of duplicateHistory('sqlite', sizes.records, sizes.duplicates)) await execSql(store, statement);
  const plan = timedRun([bin, '--db', spec, '--json', 'cleanup', '--duplicates']);
  const apply = timedRun([bin, '--db', spec, '--json', 'cleanup', '--duplicates', '--apply', '--backup', join(dir, `backup-${sizes.records}.db`)]);
  return { planMs: plan.wallMs, applyMs: apply.wallMs, applyRssMiB: apply.peakRssMiB };
}

const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-cleanup-'));
try {
  const small = await measure(dir, { records: 10_000, duplicates: 1_000 });
  const large = await measure(dir, { records: 100_000, duplicates: 10_000 });
  const rss = (cost: CleanupCost) => (cost.applyRssMiB === undefined ? '' : `  peak RSS ${cost.applyRssMiB.toFixed(0)} MiB`);
  process.stdout.write(
    [
      'cleanup --duplicates on SQLite, 10% duplicates (baseline: 10,000 records in the same run; linear scaling is ×10)',
      `  plan    10k ${small.planMs.toFixed(0)} ms   100k ${large.planMs.toFixed(0)} ms   ×${(large.planMs / small.planMs).toFixed(1)}`,
      `  apply   10k ${small.applyMs.toFixed(0)} ms   100k ${large.applyMs.toFixed(0)} ms   ×${(large.applyMs / small.applyMs).toFixed(1)}${rss(large)}`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
