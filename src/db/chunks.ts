/**
 * Parameters one statement may carry: under SQLite's limit (32,766) and PostgreSQL's (65,535). Big pieces
 * matter: each statement may scan a table once, so 10,000 ids in one statement beat twenty of 500.
 */
const parametersPerStatement = 30_000;

/** Splits a long list (ids, id pairs, rows) into statement-sized pieces, given the parameters each item takes. */
export function chunks<T>(items: readonly T[], parametersPerItem = 1): T[][] {
  const size = Math.max(1, Math.floor(parametersPerStatement / parametersPerItem));
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
