import type { Reporter, TestModule } from 'vitest/node';

/**
 * Names every skipped test at the end of the run. The only skips in this suite are the PostgreSQL variants
 * on a machine where no server could be had, and a developer should see exactly what did not run.
 */
export default class SkippedReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = testModules.flatMap((module) => [...module.children.allTests('skipped')].map((test) => `${module.moduleId.replace(/^.*\/test\//, 'test/')} > ${test.fullName}`));
    if (skipped.length === 0) return;
    process.stderr.write(`\n!! ${skipped.length} tests were SKIPPED:\n${skipped.map((name) => `!!   ${name}`).join('\n')}\n\n`);
  }
}
