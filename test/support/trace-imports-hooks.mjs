import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.SHIPLOG_TRACE_FILE, `${resolved.url}\n`);
  return resolved;
}
