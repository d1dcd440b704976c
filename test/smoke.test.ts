import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from './support/cli.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

describe.each(storeKinds())('smoke on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('a command deploy ends success and shows in history', async () => {
    const { result, json } = await runCliJson(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'dev', '--version', '1.0.0', '--', 'node', '-e', "console.log('hi')"]);
    expect(result.code).toBe(0);
    expect(json.status).toBe('success');
    const history = await runCli(['--db', store.spec, 'history']);
    expect(history.stdout).toContain('1.0.0');
  });
});
