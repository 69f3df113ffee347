import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for the contract suites. CI starts one and sets
 * ASCENT_TEST_POSTGRES_URL; on a developer machine with Debian's PostgreSQL binaries installed,
 * a throw-away cluster is started here (as the `postgres` user, since initdb refuses root).
 * Every call creates a fresh database so test files never share state.
 */
export interface TestPostgres {
  url: string;
  drop(): Promise<void>;
}

let started: Promise<string> | undefined;

function findBin(name: string): string | undefined {
  const roots = ['/usr/lib/postgresql'];
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    for (const version of fs.readdirSync(root).sort().reverse()) {
      const bin = path.join(root, version, 'bin', name);
      if (fs.existsSync(bin)) return bin;
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Start a throw-away cluster; `stop` shuts it down and removes its folder. */
export async function startCluster(): Promise<{ url: string; stop: () => void }> {
  const initdb = findBin('initdb');
  const postgres = findBin('postgres');
  if (!initdb || !postgres) {
    throw new Error('PostgreSQL is not available: set ASCENT_TEST_POSTGRES_URL or install Debian\'s "postgresql" package (the CI script does both).');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  const [c1, a1] = run(initdb, ['-D', path.join(dir, 'data'), '-U', 'ascent', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  execFileSync(c1, a1, { stdio: 'ignore' });
  const port = await freePort();
  const [c2, a2] = run(postgres, ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200']);
  spawn(c2, a2, { stdio: 'ignore', detached: false });
  // Signalling runuser does not reach postgres: stop the cluster by its data folder with pg_ctl.
  const stop = () => {
    const pgCtl = findBin('pg_ctl');
    if (!pgCtl) return;
    const [c3, a3] = run(pgCtl, ['stop', '-D', path.join(dir, 'data'), '-m', 'immediate', '-s']);
    try {
      execFileSync(c3, a3, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already stopped
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const url = `postgres://ascent@127.0.0.1:${port}/postgres`;
  for (let i = 0; i < 100; i++) {
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      return { url, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`PostgreSQL did not start on port ${port}`);
}

/** True when a PostgreSQL server is configured or can be started here. */
export function postgresAvailable(): boolean {
  return Boolean(process.env.ASCENT_TEST_POSTGRES_URL) || Boolean(findBin('initdb'));
}

export async function createTestDatabase(): Promise<TestPostgres> {
  // test/support/global-postgres.ts starts one cluster per test run and sets this variable.
  const adminUrl = process.env.ASCENT_TEST_POSTGRES_URL ?? (await (started ??= startCluster().then((c) => c.url)));
  const name = `ascent_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
