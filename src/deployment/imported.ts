import type { Deployment } from './deployment.js';

/** One deployment read from another tool's history, ready to be written as a shiplog record. */
export type ImportedDeployment = Pick<
  Deployment,
  'app' | 'env' | 'version' | 'commitSha' | 'repo' | 'image' | 'provider' | 'target' | 'isRollback' | 'operator' | 'message' | 'error' | 'createdAt' | 'startedAt' | 'completedAt'
> & {
  /** Names the row in its source for good: importing the same row again finds it by this and adds nothing. */
  sourceKey: string;
  /** Final, or `stale` for one the other tool left running: nobody saw how it ended. */
  status: Extract<Deployment['status'], 'success' | 'failed' | 'cancelled' | 'stale'>;
  /** The `sourceKey` of the deployment this one rolled back, when the source links them. */
  rollbackOfSource: string | null;
  /** The `sourceKey` of the rollback that undid this one, when the source marks it rolled back. */
  rolledBackBySource: string | null;
  /** What the source says happened to it later without changing its status (Helm's uninstall of a release), each kept as an event. */
  later?: { at: string; detail: string }[];
};

/** What a reader makes of a source: the deployments, and the rows it passed over with why. */
export interface ImportRead {
  deployments: ImportedDeployment[];
  skipped: { reason: string; count: number }[];
}

export interface ImportDefaults {
  app?: string;
  env?: string;
}

/** Collects what a reader keeps and what it passes over, counting the rows passed over by reason. */
export class ImportCollector {
  private readonly deployments: ImportedDeployment[] = [];
  private readonly skipped = new Map<string, number>();

  keep(deployment: ImportedDeployment): void {
    this.deployments.push(deployment);
  }

  skip(reason: string): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  result(): ImportRead {
    return { deployments: this.deployments, skipped: [...this.skipped].map(([reason, count]) => ({ reason, count })) };
  }
}
