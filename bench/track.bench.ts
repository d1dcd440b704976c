// The track benchmark (issues 3 and 21): one `shiplog track --all` process follows 1,000 active rollouts over 10
// namespaces on the fake Kubernetes API server. Reports the process's peak RSS and the delay from the server's
// final event of each rollout to its committed status, against the same run with 10 rollouts (one a namespace)
// as the baseline. `npm run bench -- track`; `SHIPLOG_BENCH_TRACK_ROLLOUTS=10000 npm run bench -- track` follows
// 10,000 (any multiple of 10), started at the same pace, so the spread grows with the count.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { FakeKubeApi } from '../fixtures/kube-api-server.js';
import { writeKubeconfig } from '../fixtures/kube-config.js';
import { openStore } from '../src/db/open-store.js';
import { recordDeployment } from '../src/deploy/record.js';
import { sized, smoke } from './support/smoke.js';

const cliPath = fileURLToPath(new URL('../bin/shiplog.js', import.meta.url));

const namespaces = 10;
const rollouts = sized(rolloutCount(process.env.SHIPLOG_BENCH_TRACK_ROLLOUTS), 4);
/**
 * Rollouts of 2 replicas (5 controller steps each, 100 ms apart) that start spread over 5 s, or 5 ms apart when
 * there are more than 1,000: about 200 completions a second at the peak.
 */
const pace = { replicas: 2, stepMs: 100, spreadMs: (count: number) => sized(Math.max(5_000, count * 5), 500) };
/** Issue 3's goals for 1,000 rollouts, issue 21's for 10,000; other counts are measured against no goal. */
const goalsByCount = new Map([
  [1_000, { peakRssMb: 150, medianDelayMs: 1_000 }],
  [10_000, { peakRssMb: 250, medianDelayMs: 50 }],
]);
const goals = goalsByCount.get(rollouts);

interface Shape {
  namespaces: number;
  perNamespace: number;
}

interface Measurement {
  rollouts: number;
  peakRssMb: number;
  /** Server's final event of a rollout → its status committed in the store, per rollout (ms). */
  delays: number[];
  wallMs: number;
  /** CPU time (user + system) of the track process. */
  cpuMs: number;
  exitCode: number | null;
}

async function main(): Promise<number> {
  const baseline = await measure(sized({ namespaces: 10, perNamespace: 1 }, { namespaces: 1, perNamespace: 1 }));
  const subject = await measure(sized({ namespaces, perNamespace: rollouts / namespaces }, { namespaces: 2, perNamespace: 2 }));
  for (const m of [baseline, subject]) {
    console.log(
      `${String(m.rollouts).padStart(5)} rollouts: peak RSS ${m.peakRssMb.toFixed(0)} MB; final event → committed status: median ${m.delays.length ? median(m.delays).toFixed(0) : '-'} ms, ` +
        `p95 ${m.delays.length ? percentile(m.delays, 0.95).toFixed(0) : '-'} ms, max ${m.delays.length ? Math.max(...m.delays).toFixed(0) : '-'} ms; ${m.delays.length} settled in ${(m.wallMs / 1000).toFixed(1)} s using ${(m.cpuMs / 1000).toFixed(1)} s CPU (exit ${m.exitCode})`,
    );
  }
  const rssRatio = subject.peakRssMb / baseline.peakRssMb;
  const delayRatio = median(subject.delays) / median(baseline.delays);
  console.log(`${subject.rollouts} vs ${baseline.rollouts} rollouts: peak RSS ×${rssRatio.toFixed(2)}, median delay ×${delayRatio.toFixed(2)}`);
  const broken = [
    subject.exitCode !== 0 && `track exited ${subject.exitCode}`,
    subject.delays.length !== subject.rollouts && `only ${subject.delays.length} of ${subject.rollouts} rollouts settled`,
  ];
  const missed = !goals
    ? []
    : [
        subject.peakRssMb > goals.peakRssMb && `peak RSS ${subject.peakRssMb.toFixed(0)} MB is over the goal of ${goals.peakRssMb} MB`,
        median(subject.delays) > goals.medianDelayMs && `median delay ${median(subject.delays).toFixed(0)} ms is over the goal of ${goals.medianDelayMs} ms`,
      ];
  const failures = [...broken, ...missed].filter((failure): failure is string => typeof failure === 'string');
  const met = smoke
    ? 'smoke run: every rollout settled, no goal checked'
    : !goals
      ? `every rollout settled; no goal for ${rollouts} rollouts (goals are for ${[...goalsByCount.keys()].join(' and ')})`
      : `goals met: peak RSS ≤ ${goals.peakRssMb} MB, median delay ≤ ${goals.medianDelayMs} ms`;
  console.log(failures.length === 0 ? met : `FAILED: ${failures.join('; ')}`);
  return failures.length === 0 ? 0 : 1;
}

/**
 * Records every rollout as running (the generation its image change will produce), starts `track --all`, waits
 * for its watches, then changes the images one after another over the spread: track sees each rollout from
 * its first step. The store is read every 20 ms from this process to see when each status is committed.
 */
async function measure(shape: Shape): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-track-'));
  const db = join(dir, 'shiplog.db');
  const api = await FakeKubeApi.start({ stepMs: pace.stepMs });
  try {
    const names: [string, string][] = [];
    for (let n = 0; n < shape.namespaces; n += 1) {
      for (let d = 0; d < shape.perNamespace; d += 1) {
        const namespace = `team-${n}`;
        const name = `service-${d}`;
        api.addDeployment(namespace, name, { replicas: pace.replicas });
        names.push([namespace, name]);
      }
    }
    const byId = await recordAll(db, api, names);
    const kubeconfig = writeKubeconfig(dir, { server: api.url, token: api.token });
    const started = Date.now();
    const child = spawn(process.execPath, [cliPath, '--db', db, 'track', '--all'], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let peakKb = 0;
    let cpuMs = 0;
    const sampleRss = setInterval(() => {
      peakKb = Math.max(peakKb, peakRssKb(child.pid!));
      cpuMs = Math.max(cpuMs, cpuTimeMs(child.pid!));
    }, 50);
    const committedAt = new Map<number, number>();
    const reader = new BetterSqlite3(db, { readonly: true });
    const readCommitted = reader.prepare<[], { id: number }>("select id from deployments where status <> 'running'");
    const sampleCommitted = () => {
      const now = Date.now();
      for (const { id } of readCommitted.all()) if (!committedAt.has(id)) committedAt.set(id, now);
    };
    const sampleStore = setInterval(sampleCommitted, 20);

    await Promise.race([api.waitForWatches(shape.namespaces), exited]);
    names.forEach(([namespace, name], index) => {
      setTimeout(() => api.setImage(namespace, name, name, `registry.example/${name}:2.0.0`), (index * pace.spreadMs(names.length)) / names.length);
    });
    const exitCode = await exited;
    clearInterval(sampleRss);
    clearInterval(sampleStore);
    // track exits as soon as its last status commits, often before the next 20 ms sample: one more read sees it.
    sampleCommitted();
    reader.close();
    if (exitCode !== 0) console.log(`track exited ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const delays: number[] = [];
    for (const [id, seen] of committedAt) {
      const [namespace, name] = byId.get(id)!;
      const final = api.completedAt.get(`${namespace}/${name}`);
      if (final !== undefined) delays.push(Math.max(0, seen - final));
    }
    return { rollouts: names.length, peakRssMb: peakKb / 1024, delays, wallMs: Date.now() - started, cpuMs, exitCode };
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SHIPLOG_BENCH_TRACK_ROLLOUTS, a multiple of 10 (the namespaces); 1,000 without it. */
function rolloutCount(value: string | undefined): number {
  if (value === undefined || value === '') return 1_000;
  const count = Number(value);
  if (!Number.isInteger(count) || count < namespaces || count % namespaces !== 0) {
    console.error(`SHIPLOG_BENCH_TRACK_ROLLOUTS=${value} is not a whole multiple of ${namespaces}; give the number of rollouts to follow, e.g. 10000`);
    process.exit(2);
  }
  return count;
}

/** Records each rollout as `deploy --k8s --image` would just before its image change; returns id → namespace/name. */
async function recordAll(db: string, api: FakeKubeApi, names: [string, string][]): Promise<Map<number, [string, string]>> {
  const store = await openStore(db);
  const byId = new Map<number, [string, string]>();
  try {
    for (const [namespace, name] of names) {
      const current = api.get(namespace, name)!;
      const target = { namespace, name, container: name, context: 'fake', server: api.url, previousImage: current.spec.template.spec.containers[0]!.image, generation: current.metadata.generation + 1 };
      const { ref } = await recordDeployment(store, { app: name, env: namespace, image: `registry.example/${name}:2.0.0`, provider: 'kubernetes', target, status: 'running', source: 'cli' });
      byId.set(ref[0], [namespace, name]);
    }
  } finally {
    await store.close();
  }
  return byId;
}

/** Nearest-rank percentile (p in 0..1). */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** CPU time the process has used so far (utime + stime, in clock ticks of 10 ms); 0 once it has gone. */
function cpuTimeMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The process's high-water mark of resident memory so far (VmHWM), in KB; 0 once it has gone. */
function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

process.exit(await main());
