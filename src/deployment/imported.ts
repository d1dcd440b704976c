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

/** How many deployments a reader hands over at a time: written in a few statements, and all the memory an import holds. */
const batchSize = 1_000;

/** A source opened and checked (its tables and columns), read a batch at a time. */
export interface ImportSource {
  /** The deployments, a batch at a time, as the source is read; rows passed over are counted by `collector`. */
  batches(collector: ImportCollector): Generator<ImportedDeployment[]>;
  close(): void;
}

export interface ImportDefaults {
  app?: string;
  env?: string;
}

/** Gathers what a reader keeps into batches, counting what it keeps and, by reason, the rows it passes over. */
export class ImportCollector {
  private batch: ImportedDeployment[] = [];
  private readonly passedOver = new Map<string, number>();
  /** Deployments kept so far. */
  kept = 0;

  /** Keeps a deployment; returns the batch once it is full, for the reader to hand over. */
  keep(deployment: ImportedDeployment): ImportedDeployment[] | undefined {
    this.batch.push(deployment);
    this.kept += 1;
    return this.batch.length >= batchSize ? this.take() : undefined;
  }

  /** The deployments kept since the last batch was handed over. */
  take(): ImportedDeployment[] {
    const batch = this.batch;
    this.batch = [];
    return batch;
  }

  skip(reason: string): void {
    this.passedOver.set(reason, (this.passedOver.get(reason) ?? 0) + 1);
  }

  get skipped(): { reason: string; count: number }[] {
    return [...this.passedOver].map(([reason, count]) => ({ reason, count }));
  }
}
