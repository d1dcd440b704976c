/**
 * Errors that end a command. Each carries the contract's exit code and a machine-readable code, so the
 * top level prints one line and exits right without knowing where the error came from.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  unresolved: 3,
  conflict: 4,
  environment: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class ShiplogError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from the user: an option, a value, an id that does not exist. Exit 2. */
export class UsageError extends ShiplogError {
  constructor(message: string, code = 'usage', options?: { cause?: unknown }) {
    super(message, ExitCode.usage, code, options);
  }
}

/** The id or key names no deployment. Exit 2. */
export class NotFoundError extends UsageError {
  constructor(ref: string) {
    super(`no deployment ${ref}: check the id or key with 'shiplog history'`, 'not_found');
  }
}

/** Another active deployment of the same app and environment, or an idempotency key reused with other content. Exit 4. */
export class ConflictError extends ShiplogError {
  constructor(message: string, code = 'conflict') {
    super(message, ExitCode.conflict, code);
  }
}

/** The database, the Kubernetes API or the deploy service cannot be used. Exit 5. */
export class EnvironmentError extends ShiplogError {
  constructor(message: string, code = 'environment', options?: { cause?: unknown }) {
    super(message, ExitCode.environment, code, options);
  }
}

/** The exit code of a command that followed a deployment to `status`. */
export function exitCodeForStatus(status: string): ExitCodeValue {
  if (status === 'success') return ExitCode.ok;
  if (status === 'failed' || status === 'cancelled') return ExitCode.failed;
  return ExitCode.unresolved;
}
