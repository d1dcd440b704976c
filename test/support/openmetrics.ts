import { spawnSync } from 'node:child_process';

/** A metric family as the reference OpenMetrics parser reads it. */
export interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/**
 * The Python client of the Prometheus project (Debian's python3-prometheus-client) carries the reference
 * parser of the OpenMetrics text format, and it is strict: a missing `# EOF`, a UNIT that is not the name's
 * suffix, a counter sample without `_total` or a badly escaped label are errors. No maintained npm package
 * parses OpenMetrics (the one npm parser reads the older Prometheus format and ignores UNIT and EOF).
 */
const parser = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
families = [{"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
             "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
            for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(families))
`;

/** The system Python, where Debian installs the parser (a pyenv shim on PATH would not have it). */
export const systemPython = '/usr/bin/python3';

/** Parses OpenMetrics text, throwing the parser's complaint when it is not valid. */
export function parseOpenMetrics(text: string): ParsedFamily[] {
  const run = spawnSync(systemPython, ['-c', parser], { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`${systemPython} could not run the OpenMetrics parser (${run.error.message}); install python3-prometheus-client`);
  if (run.status !== 0) throw new Error(`not valid OpenMetrics: ${run.stderr.trim().split('\n').pop()}`);
  return JSON.parse(run.stdout) as ParsedFamily[];
}
