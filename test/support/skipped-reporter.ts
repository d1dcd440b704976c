import type { Reporter, TestModule } from 'vitest/node';
import { missingTools } from './tools.js';

/**
 * Names every skipped test at the end of the run, and the tools that would run them. A test is skipped only
 * where this machine cannot run it: the PostgreSQL variants where no server could be had, the tests of a tool
 * that is missing (test/support/tools.ts), those that need root; a developer should see exactly what did not run.
 */
export default class SkippedReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = testModules.flatMap((module) => [...module.children.allTests('skipped')].map((test) => `${module.moduleId.replace(/^.*\/test\//, 'test/')} > ${test.fullName}`));
    if (skipped.length === 0) return;
    const tools = missingTools().map((tool) => `!! ${tool.line}\n`);
    process.stderr.write(`\n!! ${skipped.length} tests were SKIPPED:\n${skipped.map((name) => `!!   ${name}`).join('\n')}\n${tools.join('')}\n`);
  }
}
