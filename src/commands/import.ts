import { importDeployments } from '../db/import-deployments.js';
import type { ImportDefaults, ImportRead } from '../deployment/imported.js';
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
  skipped: ImportRead['skipped'];
}

/**
 * Brings another tool's history into the store, reading the source file (or, for helm, the cluster's release
 * records) only. The whole import is one transaction, and every record keeps its source row's identity, so
 * importing the same source twice (or a later copy of it) adds only what is new, and settles what the source has
 * settled since. A Helm record that does not decode is named on stderr and skipped.
 */
export async function run(ctx: CommandContext, file: string, options: ImportOptions): Promise<ExitCodeValue> {
  const defaults: ImportDefaults = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
  };
  const kubeOption = options.kubeconfig !== undefined ? '--kubeconfig' : options.context !== undefined ? '--context' : undefined;
  if (kubeOption && options.from !== 'helm') throw new UsageError(`${kubeOption} is for --from helm, which reads a cluster; leave it out`, 'bad_value');
  let read: ImportRead;
  if (options.from === 'klepaas') read = (await import('../import/klepaas.js')).readKlepaas(file, defaults);
  else if (options.from === 'sbkube') read = (await import('../import/sbkube.js')).readSbkube(file, defaults);
  else if (options.from === 'helm') {
    const helm = await (await import('../import/helm.js')).readHelm(file, defaults, { kubeconfig: options.kubeconfig, context: options.context });
    for (const line of helm.unreadable) ctx.out.progress(`skipped: ${printable(line)}`);
    read = helm;
  } else throw new UsageError(`--from: '${options.from}' is not klepaas, sbkube or helm`, 'bad_value');
  const tool = options.from;
  const { imported, settled } = await withStore(ctx, (store) => store.write((tx) => importDeployments(tx, tool, read.deployments)));
  const report: ImportReport = {
    from: tool,
    file,
    read: read.deployments.length,
    imported,
    alreadyImported: read.deployments.length - imported,
    settled,
    skipped: read.skipped,
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
