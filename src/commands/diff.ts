import { getDeployment } from '../db/deployments.js';
import type { Deployment } from '../deployment/deployment.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { diffDeployments, type DeploymentDiff } from '../insights/deployment-diff.js';
import { localTime, table } from '../terminal/format.js';
import type { Output } from '../terminal/output.js';
import { printable } from '../terminal/printable.js';
import { withStore, type CommandContext } from './context.js';

export async function run(ctx: CommandContext, fromRef: string, toRef: string): Promise<ExitCodeValue> {
  const diff = await withStore(
    ctx,
    (store) => store.read(async (tx) => diffDeployments(await getDeployment(tx, fromRef), await getDeployment(tx, toRef))),
    'read',
  );
  ctx.out.result(diff, () => diffText(ctx.out, diff));
  return ExitCode.ok;
}

function diffText(out: Output, diff: DeploymentDiff): string {
  const lines = [`from ${heading(out, diff.from)}`, `to   ${heading(out, diff.to)}`, ''];
  if (diff.changes.length === 0) {
    lines.push('no differences in what was deployed');
  } else {
    lines.push(table(['FIELD', 'FROM', 'TO'], diff.changes.map((change) => [change.field, shown(change.from), shown(change.to)]), { width: out.columns, cuttable: [1, 2] }));
  }
  if (diff.commits) {
    lines.push('', `commits: ${printable(diff.commits.range)}${diff.commits.compareUrl ? `\n         ${printable(diff.commits.compareUrl)}` : ''}`);
  }
  return lines.join('\n');
}

function heading(out: Output, d: Deployment): string {
  return `${printable(d.key)} (${d.id}) ${printable(d.app)} ${printable(d.env)} ${out.status(d.status)}${d.isRollback ? ' rollback' : ''} ${localTime(d.createdAt)}`;
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
