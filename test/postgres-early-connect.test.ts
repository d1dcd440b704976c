import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrations } from '../src/db/migrations.js';
import { openStore } from '../src/db/open-store.js';
import { runCli } from './support/cli.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

/** A TCP relay in front of the test's PostgreSQL server that counts the connections the CLI opens and keeps what it sent. */
async function startRelay(target: URL): Promise<{ port: number; connections: () => number; sent: () => string; close: () => Promise<void> }> {
  let connections = 0;
  let sent = '';
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => (sent += chunk.toString('latin1')));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    sent: () => sent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!storeKinds().includes('postgres'))('connecting to a PostgreSQL store while the CLI loads', () => {
  let store: TestStore;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let viaRelay: string;

  beforeAll(async () => {
    store = await createTestStore('postgres');
    relay = await startRelay(new URL(store.spec));
    const url = new URL(store.spec);
    url.port = String(relay.port);
    viaRelay = url.toString();
    expect((await runCli(['--db', viaRelay, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0'])).code).toBe(0);
  });

  afterAll(async () => {
    await relay?.close();
    await store?.cleanup();
  });

  it.each([
    ['--db URL', (url: string) => ({ args: ['--db', url, 'history'], env: {} })],
    ['--db=URL', (url: string) => ({ args: [`--db=${url}`, 'status'], env: {} })],
    ['SHIPLOG_DB', (url: string) => ({ args: ['show', '1'], env: { SHIPLOG_DB: url } })],
    ['--db after the command', (url: string) => ({ args: ['diff', '1', '1', '--db', url], env: {} })],
  ])('a query command named by %s opens one connection: the early one is the one it uses', async (_how, line) => {
    const { args, env } = line(viaRelay);
    const before = relay.connections();
    const result = await runCli(args, { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('web');
    expect(relay.connections() - before).toBe(1);
  });

  it('a query command asks for the store\'s migrations once: the early connection asks, and the store takes its answer', async () => {
    const before = relay.sent().length;
    const result = await runCli(['--db', viaRelay, 'history']);
    expect(result.code, result.stderr).toBe(0);
    expect(relay.sent().slice(before).match(/shiplog_migrations/g)).toHaveLength(1);
  });

  it('a store written by a newer shiplog is refused when the early connection read its migrations', async () => {
    const admin = await openStore(store.spec);
    try {
      await admin.write((tx) => tx.insertInto('shiplog_migrations').values({ name: '999_from_the_future', applied_at: new Date().toISOString() }).execute());
      const newer = await runCli(['--db', viaRelay, 'history']);
      expect(newer.code).toBe(5);
      expect(newer.stderr).toMatch(/written by a newer shiplog \(schema 999_from_the_future\)/);
    } finally {
      await admin.write((tx) => tx.deleteFrom('shiplog_migrations').where('name', '=', '999_from_the_future').execute());
      await admin.close();
    }
  });

  it('a database with no schema yet, where the early connection could read none, gets it from the first command', async () => {
    const empty = await createTestStore('postgres');
    try {
      const url = new URL(empty.spec);
      url.port = String(relay.port);
      const result = await runCli(['--db', url.toString(), 'history']);
      expect(result.code, result.stderr).toBe(0);
      const opened = await openStore(empty.spec, 'read');
      try {
        expect(await opened.read((tx) => appliedMigrations(tx))).toEqual(new Set(migrations.map((migration) => migration.name)));
      } finally {
        await opened.close();
      }
    } finally {
      await empty.cleanup();
    }
  });

  it('a command whose --db differs from SHIPLOG_DB uses the --db store alone', async () => {
    const before = relay.connections();
    const result = await runCli(['--db', viaRelay, 'history'], { env: { SHIPLOG_DB: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(result.code, result.stderr).toBe(0);
    expect(relay.connections() - before).toBe(1);
  });

  it('an unreachable store is reported as without the early connection, and a malformed URL as a usage error', async () => {
    const unreachable = await runCli(['--db', 'postgres://postgres@127.0.0.1:1/none', 'history']);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/^shiplog: cannot reach the PostgreSQL store postgres:\/\/postgres@127\.0\.0\.1:1\/none/);
    const malformed = await runCli(['--db', 'postgres://postgres:secret@127.0.0.1:99999/none', 'history']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^shiplog: --db postgres:\/\/\*\*\*@127\.0\.0\.1:99999\/none is not a PostgreSQL URL shiplog can use \(not a valid URL/);
    expect(malformed.stderr).not.toContain('secret');
  });
});
