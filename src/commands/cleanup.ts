import type { Deployment } from '../deployment/deployment.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import type { DuplicateGroup } from '../db/duplicates.js';
import type { Prunable } from '../db/prune.js';
import { cleanup, type CleanupListener, type CleanupRequest, type CleanupSummary, type StaleChange } from '../repair/cleanup.js';
import { localTime } from '../terminal/format.js';
import { JsonArraySpool, writeJsonDocument } from '../terminal/json-spool.js';
import type { Output } from '../terminal/output.js';
import { printable } from '../terminal/printable.js';
import { formatDuration, parseDuration } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface CleanupOptions {
  duplicates?: boolean;
  window?: string;
  stale?: string;
  reconcile?: boolean;
  pruneOlderThan?: string;
  keep?: string;
  apply?: boolean;
  backup?: string;
  kubeconfig?: string;
  context?: string;
}

/** Records a human reader is shown of each part of the plan; --json lists them all. */
const shownPerPart = 20;

/**
 * Exits 0 whether the plan was applied or only shown: a plan is an answer, not a failure. Scripts that
 * want to know whether there is anything to clean read the counts in --json. The plan's lists are as long as the
 * history is: --json spools them to a temporary file as they are read and prints the document once the work is
 * done; a person sees the first few of each.
 */
export async function run(ctx: CommandContext, options: CleanupOptions): Promise<ExitCodeValue> {
  const request = cleanupRequest(options);
  if (!ctx.out.json) {
    const shown = new ShownLines(ctx.out);
    const summary = await withStore(ctx, (store) => cleanup(store, request, shown));
    ctx.out.result(summary, () => reportText(ctx.out, summary, shown));
    return ExitCode.ok;
  }
  const groups = new JsonArraySpool();
  const prunable = new JsonArraySpool();
  try {
    const summary = await withStore(ctx, (store) => cleanup(store, request, { duplicateGroup: (group) => groups.push(group), prunable: (record) => prunable.push(record) }));
    writeJsonDocument(ctx.out.stdout, {
      ...summary,
      duplicates: summary.duplicates && { windowMs: summary.duplicates.windowMs, groups, records: summary.duplicates.records, eventsMoved: summary.duplicates.eventsMoved },
      prune: summary.prune && { olderThanMs: summary.prune.olderThanMs, keep: summary.prune.keep, records: prunable, events: summary.prune.events },
    });
  } finally {
    groups.dispose();
    prunable.dispose();
  }
  return ExitCode.ok;
}

/** The first lines of each long part of the plan, as a person reads them; the rest are only counted. */
class ShownLines implements CleanupListener {
  readonly groupLines: string[] = [];
  readonly prunableLines: string[] = [];
  readonly groupsWanted = shownPerPart;

  constructor(private readonly out: Output) {}

  duplicateGroup(group: DuplicateGroup): void {
    if (this.groupLines.length < shownPerPart) {
      this.groupLines.push(`  keep ${brief(this.out, group.kept)}; merge ${group.duplicates.map((d) => `${printable(d.key)} (${this.out.status(d.status)})`).join(', ')}`);
    }
  }

  prunable(record: Prunable): void {
    if (this.prunableLines.length < shownPerPart) this.prunableLines.push(`  ${brief(this.out, record)}`);
  }
}

function cleanupRequest(options: CleanupOptions): CleanupRequest {
  if (options.window !== undefined && !options.duplicates) throw new UsageError('--window goes with --duplicates', 'bad_value');
  if (options.reconcile && options.stale === undefined) {
    throw new UsageError('--reconcile goes with --stale DUR: it asks the providers about the records --stale finds', 'bad_value');
  }
  for (const [option, value] of [['--kubeconfig', options.kubeconfig], ['--context', options.context]] as const) {
    if (value !== undefined && !options.reconcile) throw new UsageError(`${option} goes with --reconcile: it says how to reach the Kubernetes API it asks`, 'bad_value');
  }
  if ((options.pruneOlderThan === undefined) !== (options.keep === undefined)) {
    throw new UsageError('--prune-older-than DUR and --keep N go together: how old a record must be, and how many of each app and environment stay', 'bad_value');
  }
  const request: CleanupRequest = {
    duplicates: options.duplicates ? { windowMs: parseDuration(options.window ?? '60s', '--window') } : null,
    stale: options.stale === undefined ? null : {
            olderThanMs: parseDuration(options.stale, '--stale'),
            reconcile: options.reconcile === true,
            kube: { kubeconfig: options.kubeconfig, context: options.context },
          },
    prune:
      options.pruneOlderThan === undefined
        ? null
        : { olderThanMs: parseDuration(options.pruneOlderThan, '--prune-older-than'), keep: keepCount(options.keep!) },
    apply: options.apply === true,
    backupPath: options.backup ?? null,
  };
  if (!request.duplicates && !request.stale && !request.prune) {
    throw new UsageError('say what to clean: --duplicates, --stale DUR, and/or --prune-older-than DUR --keep N (add --apply to carry it out)', 'missing_option');
  }
  return request;
}

function keepCount(text: string): number {
  if (!/^\d{1,7}$/.test(text)) throw new UsageError(`--keep: '${text}' is not a whole number of records (0 or more)`, 'bad_value');
  return Number(text);
}

function reportText(out: Output, report: CleanupSummary, shown: ShownLines): string {
  const lines: string[] = [];
  if (report.duplicates) {
    const { groups, records, windowMs, eventsMoved } = report.duplicates;
    lines.push(`duplicates (created within ${formatDuration(windowMs)} of each other): ${records} to merge into ${groups} kept${eventsMoved === null ? '' : `, ${eventsMoved} events moved`}`);
    lines.push(...limited(shown.groupLines, groups));
  }
  if (report.stale) {
    const { records, olderThanMs } = report.stale;
    const changing = records.filter((change) => change.to !== null).length;
    lines.push(`abandoned (running for over ${formatDuration(olderThanMs)}, follower gone): ${records.length}, ${changing} to change`);
    lines.push(...limited(records.slice(0, shownPerPart).map((change) => `  ${staleLine(out, change)}`), records.length));
  }
  if (report.prune) {
    const { records, events, olderThanMs, keep } = report.prune;
    lines.push(`old (final, created over ${formatDuration(olderThanMs)} ago, beyond the newest ${keep} of each app and environment): ${records} records and ${events} events to delete`);
    lines.push(...limited(shown.prunableLines, records));
  }
  lines.push(...report.notes.map((note) => printable(note)));
  if (report.applied) {
    lines.push(report.backup ? `applied; the store as it was is in ${printable(report.backup)}` : 'applied');
  } else {
    lines.push('nothing changed: add --apply to carry out this plan');
  }
  return lines.join('\n');
}

function brief(out: Output, d: Deployment): string {
  return `${printable(`${d.key} ${d.app} ${d.env} ${d.version ?? d.commitSha?.slice(0, 7) ?? '-'}`)} ${out.status(d.status)} ${localTime(d.createdAt)}`;
}

function staleLine(out: Output, change: StaleChange): string {
  const becomes = change.to === null ? `stays ${out.status(change.from)}` : `${out.status(change.from)} -> ${out.status(change.to)}`;
  return `${printable(`${change.key} ${change.app} ${change.env} ${change.provider}`)}: ${becomes} (${printable(change.reason)})`;
}

/** The lines shown of a part with `total` items, and how many more there are. */
function limited(shownLines: string[], total: number): string[] {
  if (total <= shownLines.length) return shownLines;
  return [...shownLines, `  … and ${total - shownLines.length} more (--json lists them all)`];
}
