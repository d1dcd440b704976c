import { importDeployments } from '../db/import-deployments.js';
import { ImportCollector, type ImportDefaults, type ImportSource } from '../deployment/imported.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { printable } from '../terminal/printable.js';
import { withStore, type CommandContext } from './context.js';

export interface ImportOptions {
  from?: string;
  app?: string;
  env?: string;
  /** For `--from helm`: how the cluster is reached. */
  kubeconfig?: string;
  context?: string;
}

export interface ImportReport {
  from: string;
  /** The file read; for helm, the NAMESPACE or NAMESPACE/RELEASE whose history was read. */
  file: string;
  /** Deployments found in the file that shiplog can keep. */
  read: number;
  /** Of those, the ones new to the store; the rest were imported before. */
  imported: number;
  alreadyImported: number;
  /** Of those imported before as `stale`, the ones the source has settled since, which took its status. */
  settled: number;
  skipped: ImportCollector['skipped'];
}

/**
 * Brings another tool's history into the store, reading the source file (or, for helm, the cluster's release
 * records) only. The whole import is one transaction, and every record keeps its source row's identity, so
 * importing the same source twice (or a later copy of it) adds only what is new, and settles what the source has
 * settled since. The source is read and written a batch at a time inside that transaction, so a source of any
 * size takes the memory of one batch. A Helm record that does not decode is named on stderr and skipped.
 */
export async function run(ctx: CommandContext, file: string, options: ImportOptions): Promise<ExitCodeValue> {
  const defaults: ImportDefaults = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
  };
  const kubeOption = options.kubeconfig !== undefined ? '--kubeconfig' : options.context !== undefined ? '--context' : undefined;
  if (kubeOption && options.from !== 'helm') throw new UsageError(`${kubeOption} is for --from helm, which reads a cluster; leave it out`, 'bad_value');
  let source: ImportSource;
  if (options.from === 'klepaas') source = (await import('../import/klepaas.js')).openKlepaas(file, defaults);
  else if (options.from === 'sbkube') source = (await import('../import/sbkube.js')).openSbkube(file, defaults);
  else if (options.from === 'helm') {
    const helm = await (await import('../import/helm.js')).openHelm(file, defaults, { kubeconfig: options.kubeconfig, context: options.context });
    for (const line of helm.unreadable) ctx.out.progress(`skipped: ${printable(line)}`);
    source = helm;
  } else throw new UsageError(`--from: '${options.from}' is not klepaas, sbkube or helm`, 'bad_value');
  const tool = options.from;
  const collected = new ImportCollector();
  let outcome: { imported: number; settled: number };
  try {
    outcome = await withStore(ctx, (store) =>
      store.write(async (tx) => {
        const total = { imported: 0, settled: 0 };
        for (const batch of source.batches(collected)) {
          const written = await importDeployments(tx, tool, batch);
          total.imported += written.imported;
          total.settled += written.settled;
        }
        return total;
      }),
    );
  } finally {
    source.close();
  }
  const report: ImportReport = {
    from: tool,
    file,
    read: collected.kept,
    imported: outcome.imported,
    alreadyImported: collected.kept - outcome.imported,
    settled: outcome.settled,
    skipped: collected.skipped,
  };
  ctx.out.result(report, () =>
    [
      `imported ${report.imported} of ${report.read} deployments from ${tool === 'helm' ? "Helm's history of" : `${tool} file`} ${printable(file)}${report.alreadyImported > 0 ? ` (${report.alreadyImported} were imported before)` : ''}`,
      ...(report.settled > 0 ? [`settled ${report.settled} imported before as stale, as ${tool} now records them`] : []),
      ...report.skipped.map((skip) => `skipped ${skip.count}: ${printable(skip.reason)}`),
    ].join('\n'),
  );
  return ExitCode.ok;
}
