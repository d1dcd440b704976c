import { gunzipSync } from 'node:zlib';

/** Which object kind Helm's storage driver keeps a revision in: `secret` (the default) or `configmap`. */
export type HelmDriver = 'secret' | 'configmap';

/**
 * One revision of a Helm release, as shiplog reads it from Helm's record: the fields Helm 3 and Helm 4 both
 * write, and nothing else (Helm 4's `apply_method`, main's `rollback_revision` and any later key are passed over
 * unless named here).
 */
export interface HelmRevision {
  release: string;
  namespace: string;
  revision: number;
  /** Helm's status word (`deployed`, `pending-upgrade`, …), from inside the record: the label can be edited, the record is what Helm trusts. */
  status: string;
  description: string;
  chart: string | undefined;
  chartVersion: string | undefined;
  appVersion: string | undefined;
  /** ISO-8601; undefined when Helm 4 left a zero time out. */
  firstDeployed: string | undefined;
  lastDeployed: string | undefined;
  deleted: string | undefined;
  /** The revision a rollback went back to: Helm's `info.rollback_revision`, else its description "Rollback to N". */
  rollbackTo: number | undefined;
  /** Every rendered document of the release, hooks excluded. */
  manifest: string;
}

/** The object a revision lives in, by either driver: `sh.helm.release.v1.RELEASE.vREVISION`. */
export function revisionObjectName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/** A record that is not what Helm writes: not base64, not gzip, not JSON, or JSON without a release in it. */
export class UnreadableRevision extends Error {}

const gzipMagic = [0x1f, 0x8b, 0x08];
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes `data.release` the way Helm's drivers do (pkg/storage/driver/util.go): base64, then gunzip when the
 * bytes start with gzip's magic (records older than compression are plain JSON), then JSON. A Secret's data is
 * base64-encoded once more by the API and the client hands it over still encoded: `driver` says whether to undo
 * that first. Throws UnreadableRevision saying which step failed.
 */
export function decodeRevision(data: string, driver: HelmDriver): HelmRevision {
  const stored = driver === 'secret' ? base64(data, 'the Secret data').toString('latin1') : data;
  const bytes = base64(stored, 'the release');
  let json: Buffer = bytes;
  if (gzipMagic.every((byte, i) => bytes[i] === byte)) {
    try {
      json = gunzipSync(bytes);
    } catch {
      throw new UnreadableRevision('the release is not valid gzip');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw new UnreadableRevision('the release is not JSON');
  }
  return toRevision(parsed);
}

function base64(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !base64Text.test(compact)) throw new UnreadableRevision(`${what} is not base64`);
  return Buffer.from(compact, 'base64');
}

type Json = Record<string, unknown>;

function toRevision(parsed: unknown): HelmRevision {
  const record = object(parsed);
  const info = object(record?.info);
  const metadata = object(object(record?.chart)?.metadata);
  const release = text(record?.name);
  const revision = record?.version;
  if (!record || !release || typeof revision !== 'number' || !Number.isInteger(revision) || revision < 1) {
    throw new UnreadableRevision('the release JSON has no name and revision');
  }
  const description = text(info?.description) ?? '';
  const rollbackRevision = info?.rollback_revision;
  const describedRollback = /^Rollback to (\d+)$/.exec(description);
  return {
    release,
    namespace: text(record.namespace) ?? '',
    revision,
    status: text(info?.status) ?? 'unknown',
    description,
    chart: text(metadata?.name),
    chartVersion: text(metadata?.version),
    appVersion: text(metadata?.appVersion),
    firstDeployed: time(info?.first_deployed),
    lastDeployed: time(info?.last_deployed),
    deleted: time(info?.deleted),
    rollbackTo: typeof rollbackRevision === 'number' && rollbackRevision > 0 ? rollbackRevision : describedRollback ? Number(describedRollback[1]) : undefined,
    manifest: text(record.manifest) ?? '',
  };
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Go's zero time (Helm 3 writes it for a time never set) is no time at all. */
function time(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.startsWith('0001-01-01')) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}
