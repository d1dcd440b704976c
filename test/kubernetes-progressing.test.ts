import { expect, it } from 'vitest';
import { startCli, type DeploymentJson } from './support/cli.js';
import { stderrSoFar, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('a rollout reporting Progressing=False on %s', (kind) => {
  const t = storeWithCluster(kind);

  it('is waited through when the reason is not ProgressDeadlineExceeded, as kubectl waits, and ends success', async () => {
    const api = t.cluster.api;
    api.behave('prod', 'web', 'manual');
    const deploying = startCli(['--json', '--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--image', 'web:2', '--wait'], { env: t.cluster.env });
    const stderr = stderrSoFar(deploying);
    await api.waitForWatches(1, 'prod');
    api.step('prod', 'web');

    // The controller could not create the new pods yet (a quota): it says so on the live object, and setting the
    // same image again sends that object as a MODIFIED event without starting another rollout.
    const deployment = api.get('prod', 'web')!;
    const now = new Date().toISOString();
    deployment.status = {
      ...deployment.status,
      conditions: [
        ...deployment.status.conditions.filter((c) => c.type !== 'Progressing'),
        { type: 'Progressing', status: 'False', reason: 'ReplicaSetCreateError', message: 'pods "web-2-x" is forbidden: exceeded quota', lastUpdateTime: now, lastTransitionTime: now },
      ],
    };
    api.setImage('prod', 'web', 'web', 'web:2');
    await waitUntil('the deploy has seen the condition', () => stderr().includes('ReplicaSetCreateError'), stderr);
    while (api.step('prod', 'web'));
    const result = await deploying.result;

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout) as DeploymentJson).toMatchObject({ status: 'success', error: null });
    expect(result.stderr).toContain('Waiting for deployment "web" rollout to finish: 0 out of 2 new replicas have been updated... (not progressing: ReplicaSetCreateError: pods "web-2-x" is forbidden: exceeded quota)');
  });
});
