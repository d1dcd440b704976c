// A stand-in PostgreSQL server on a loopback port, for scripts/write-code-cache.mjs. The code cache holds the
// functions V8 compiled while the cache writer ran the query commands, so the PostgreSQL path (the pg driver, the
// pool, kysely's PostgreSQL dialect) is in it only if those commands ran against a PostgreSQL store. A build must
// not need a PostgreSQL server (`npm ci` builds through `prepare`), nor create databases on one it happens to find:
// this speaks just enough of the v3 wire protocol for the query commands to read a current store of three
// deployments from it. Every statement is answered from that fixed data; nothing is stored.
import { createServer } from 'node:net';

const int4 = 23;
const int8 = 20;
const text = 25;
const json = 114;

/** The tables the query commands read, their columns in the store's order (src/db/schema.ts), and their rows. */
const deploymentColumns = [
  ['id', int4], ['key', text], ['app', text], ['env', text], ['version', text], ['commit_sha', text], ['repo', text],
  ['image', text], ['provider', text], ['target', text], ['status', text], ['is_rollback', int4], ['rollback_of', int4],
  ['rolled_back_by', int4], ['operator', text], ['message', text], ['ci_run_url', text], ['idempotency_key', text],
  ['created_at', text], ['started_at', text], ['completed_at', text], ['error', text], ['lease_owner', text], ['heartbeat_at', text],
];
const eventColumns = [['id', int4], ['deployment_id', int4], ['at', text], ['from_status', text], ['to_status', text], ['source', text], ['detail', text]];

/** The keys of the deployments the server holds, for commands that name one (show, diff). */
export const fakeDeploymentKeys = ['dep_01JCACHE0000000000000000A1', 'dep_01JCACHE0000000000000000A2', 'dep_01JCACHE0000000000000000B1'];

function deployment(id, key, app, version, commit, status, createdAt) {
  const started = createdAt.replace(':00.000Z', ':02.000Z');
  const completed = status === 'running' ? null : createdAt.replace(':00.000Z', ':47.000Z');
  return {
    id, key, app, env: 'prod', version, commit_sha: commit, repo: `acme/${app}`, image: null, provider: 'command',
    target: '{"command":"./deploy.sh"}', status, is_rollback: 0, rollback_of: null, rolled_back_by: null, operator: 'ci',
    message: `release ${version}`, ci_run_url: null, idempotency_key: null, created_at: createdAt, started_at: started,
    completed_at: completed, error: null, lease_owner: status === 'running' ? 'build:1:cache' : null, heartbeat_at: status === 'running' ? started : null,
  };
}

const deployments = [
  deployment(1, fakeDeploymentKeys[0], 'web', '1.0.0', '1111111111111111111111111111111111111111', 'success', '2025-01-06T10:00:00.000Z'),
  deployment(2, fakeDeploymentKeys[1], 'web', '1.0.1', '2222222222222222222222222222222222222222', 'success', '2025-01-07T10:00:00.000Z'),
  deployment(3, fakeDeploymentKeys[2], 'api', '2.3.0', '3333333333333333333333333333333333333333', 'running', '2025-01-07T11:00:00.000Z'),
];
const events = deployments.flatMap((row) => [
  { id: row.id * 10, deployment_id: row.id, at: row.created_at, from_status: null, to_status: 'pending', source: 'cli', detail: null },
  { id: row.id * 10 + 1, deployment_id: row.id, at: row.started_at, from_status: 'pending', to_status: 'running', source: 'cli', detail: null },
  ...(row.completed_at ? [{ id: row.id * 10 + 2, deployment_id: row.id, at: row.completed_at, from_status: 'running', to_status: row.status, source: 'cli', detail: null }] : []),
]);

const lastSuccesses = [
  ...new Map(deployments.filter((row) => row.status === 'success').map((row) => [`${row.app}\u0000${row.env}`, row])).values(),
];

/**
 * The rows a statement reads: those of the first table it names, narrowed by each `"column" = $n` it compares
 * (a key, an app and environment, a deployment's id); `... as "total"` adds the count of them, as history asks.
 * Order and limits are not applied: three rows need neither for the commands to print them.
 */
function answer(statement, params, migrationNames) {
  // A select of many rows read as one JSON document (src/db/many-rows.ts): the rows of the statement inside it.
  const asDocument = /^select coalesce\(json_agg\(.*?\) as "rows" from \((.*)\) as "?r"?$/is.exec(statement);
  if (asDocument) {
    const inner = answer(asDocument[1], params, migrationNames);
    return inner && { columns: [['rows', json]], rows: [{ rows: JSON.stringify(inner.rows) }] };
  }
  const table = /\bfrom\s+"?(\w+)"?/i.exec(statement)?.[1];
  const tables = {
    shiplog_migrations: { columns: [['name', text]], rows: migrationNames.map((name) => ({ name })) },
    deployments: { columns: deploymentColumns, rows: deployments },
    deployment_events: { columns: eventColumns, rows: events },
    // status reads the last success of each pair through this table, joined to the deployments it names.
    last_successes: { columns: deploymentColumns, rows: lastSuccesses },
  };
  if (!/^[\s(]*(select|with)\b/i.test(statement) || !Object.hasOwn(tables, table ?? '')) return undefined;
  let { columns, rows } = tables[table];
  for (const [, column, index] of statement.matchAll(/"(\w+)" = \$(\d+)/g)) {
    rows = rows.filter((row) => String(row[column]) === params[Number(index) - 1]);
  }
  if (/ as "total"/.test(statement)) {
    columns = [...columns, ['total', int8]];
    const total = rows.length;
    rows = rows.map((row) => ({ ...row, total }));
  }
  return { columns, rows };
}

/** One backend message: its type, then its length (counting itself) and body. */
function message(type, ...parts) {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const cstring = (value) => Buffer.from(`${value}\0`);
const int16 = (value) => Buffer.from([value >> 8, value & 0xff]);
function int32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function rowDescription(columns) {
  return message('T', int16(columns.length), ...columns.flatMap(([name, type]) => [cstring(name), int32(0), int16(0), int32(type), int16(type === int8 ? 8 : type === int4 ? 4 : -1), int32(-1), int16(0)]));
}

function dataRow(columns, row) {
  return message('D', int16(columns.length), ...columns.flatMap(([name]) => {
    if (row[name] === null) return [int32(-1)];
    const value = Buffer.from(String(row[name]));
    return [int32(value.length), value];
  }));
}

function errorResponse(code, text) {
  return message('E', cstring(`SERROR`), cstring(`C${code}`), cstring(`M${text}`), Buffer.from([0]));
}

/** Reads a frontend message body field by field. */
class Reader {
  constructor(body) {
    this.body = body;
    this.at = 0;
  }
  cstring() {
    const end = this.body.indexOf(0, this.at);
    const value = this.body.toString('utf8', this.at, end);
    this.at = end + 1;
    return value;
  }
  int16() {
    this.at += 2;
    return this.body.readInt16BE(this.at - 2);
  }
  int32() {
    this.at += 4;
    return this.body.readInt32BE(this.at - 4);
  }
  bytes(length) {
    this.at += length;
    return this.body.subarray(this.at - length, this.at);
  }
}

/** One client connection: startup, then simple and extended queries, until Terminate. */
function serveConnection(socket, migrationNames) {
  let pending = Buffer.alloc(0);
  let started = false;
  /** I idle, T in a transaction, E in a failed one: what each ReadyForQuery reports. */
  let transaction = 'I';
  const statements = new Map();
  const portals = new Map();
  /** After an error in the extended protocol, the server skips messages until Sync. */
  let skippingToSync = false;

  const readyForQuery = () => message('Z', Buffer.from(transaction));
  const fail = (code, text) => {
    if (transaction === 'T') transaction = 'E';
    return errorResponse(code, text);
  };

  /**
   * The command's own answer: transaction control changes the status; a read returns its rows; anything else is
   * refused, so a query command that comes to send something new fails the build instead of caching a wrong path.
   * A simple query always describes its rows; an extended one only when the client sent Describe.
   */
  function run(statement, params, protocol) {
    const verb = /^\s*(\w+(?:\s+transaction)?)/i.exec(statement)?.[1].toUpperCase() ?? '';
    if (['BEGIN', 'START TRANSACTION'].includes(verb)) transaction = 'T';
    if (['COMMIT', 'ROLLBACK'].includes(verb)) transaction = 'I';
    if (['BEGIN', 'START TRANSACTION', 'COMMIT', 'ROLLBACK'].includes(verb)) return [...(protocol === 'described' ? [message('n')] : []), message('C', cstring(verb))];
    if (transaction === 'E') return [fail('25P02', 'current transaction is aborted, commands ignored until end of transaction block')];
    const result = answer(statement, params, migrationNames);
    if (result === undefined) return [fail('0A000', `the build's stand-in PostgreSQL server (scripts/fake-postgres-server.mjs) has no answer for: ${statement.trim()}`)];
    return [
      ...(protocol === 'undescribed' ? [] : [rowDescription(result.columns)]),
      ...result.rows.map((row) => dataRow(result.columns, row)),
      message('C', cstring(`SELECT ${result.rows.length}`)),
    ];
  }

  /** The connection's first message (the cache writer's URL asks for no TLS): the server trusts anyone. */
  function startup() {
    started = true;
    const parameters = { server_version: '15.0', client_encoding: 'UTF8', server_encoding: 'UTF8', standard_conforming_strings: 'on', integer_datetimes: 'on', DateStyle: 'ISO, MDY', TimeZone: 'UTC' };
    return [
      message('R', int32(0)),
      ...Object.entries(parameters).map(([name, value]) => message('S', cstring(name), cstring(value))),
      message('K', int32(process.pid), int32(0x5eed)),
      readyForQuery(),
    ];
  }

  function handle(type, body) {
    const reader = new Reader(body);
    if (type === 'X') return socket.end();
    if (type === 'S') {
      skippingToSync = false;
      return socket.write(readyForQuery());
    }
    if (type === 'Q') {
      // A simple query may hold several statements (the early connection's does): each answered in turn, up to
      // the first that fails, as PostgreSQL does.
      const replies = [];
      for (const statement of reader.cstring().split(/;\s*/).filter((text) => text.trim() !== '')) {
        const answers = run(statement, [], 'simple');
        replies.push(...answers);
        if (answers.some((reply) => String.fromCharCode(reply[0]) === 'E')) break;
      }
      return socket.write(Buffer.concat([...replies, readyForQuery()]));
    }
    if (skippingToSync || type === 'H') return;
    const replies = extended(type, reader);
    if (replies.some((reply) => String.fromCharCode(reply[0]) === 'E')) skippingToSync = true;
    socket.write(Buffer.concat(replies));
  }

  function extended(type, reader) {
    if (type === 'P') {
      const name = reader.cstring();
      statements.set(name, reader.cstring());
      return [message('1')];
    }
    if (type === 'B') {
      const portal = reader.cstring();
      const statement = reader.cstring();
      // The parameters' formats: shiplog's values are strings and numbers, which pg sends as text.
      reader.bytes(2 * reader.int16());
      const params = Array.from({ length: reader.int16() }, () => {
        const length = reader.int32();
        return length === -1 ? null : reader.bytes(length).toString('utf8');
      });
      portals.set(portal, { statement: statements.get(statement) ?? '', params, described: false });
      return [message('2')];
    }
    if (type === 'D') {
      reader.bytes(1);
      const portal = portals.get(reader.cstring());
      if (portal) portal.described = true;
      return [];
    }
    if (type === 'E') {
      const portal = portals.get(reader.cstring());
      if (portal === undefined) return [fail('34000', 'portal does not exist')];
      return run(portal.statement, portal.params, portal.described ? 'described' : 'undescribed');
    }
    if (type === 'C') return [message('3')];
    return [fail('08P01', `the build's stand-in PostgreSQL server does not speak message type '${type}'`)];
  }

  socket.on('error', () => undefined);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const headerLength = started ? 5 : 4;
      if (pending.length < headerLength) return;
      const length = pending.readInt32BE(headerLength - 4);
      const total = headerLength - 4 + length;
      if (pending.length < total) return;
      const type = started ? String.fromCharCode(pending[0]) : undefined;
      const body = pending.subarray(headerLength, total);
      pending = pending.subarray(total);
      if (type === undefined) socket.write(Buffer.concat(startup()));
      else handle(type, body);
    }
  });
}

/**
 * Starts the server on 127.0.0.1 at a port the system chooses. Its store is current: `select "name" from
 * "shiplog_migrations"` answers `migrationNames`, so no command migrates it.
 */
export async function startFakePostgresServer(migrationNames) {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, migrationNames);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    url: `postgres://shiplog@127.0.0.1:${server.address().port}/cache`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
