import { ExitCode, type ExitCodeValue } from '../errors.js';

/**
 * How bad each exit code is when one command follows several deployments: an environment problem (5) first,
 * since nothing else can be trusted until it is fixed; then unresolved (3), which still needs someone to look;
 * then failed or cancelled (1); then success (0). Usage and conflict codes end a command before it follows
 * anything, and rank just below the environment.
 */
const severity: Record<ExitCodeValue, number> = {
  [ExitCode.ok]: 0,
  [ExitCode.failed]: 1,
  [ExitCode.unresolved]: 2,
  [ExitCode.usage]: 3,
  [ExitCode.conflict]: 4,
  [ExitCode.environment]: 5,
};

/** The worst of the codes; 0 for none. */
export function worstExitCode(codes: Iterable<ExitCodeValue>): ExitCodeValue {
  let worst: ExitCodeValue = ExitCode.ok;
  for (const code of codes) if (severity[code] > severity[worst]) worst = code;
  return worst;
}
