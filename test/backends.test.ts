import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../src/core/errors.ts';
import { containerBackend } from '../src/db/backends/container.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { assertWritable } from '../src/db/backends/index.ts';
import { urlBackend } from '../src/db/backends/url.ts';
import { connectClient, withClient } from '../src/db/connect.ts';
import type { DatabaseBackend } from '../src/db/database.ts';
import type { LocalServer } from '../src/db/local-server.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The shared contract every writable backend meets. */
function contract(label: string, makeBackend: () => DatabaseBackend, expectMajor: number) {
  describe(`backend contract: ${label}`, () => {
    it('starts, reports its target without credentials, runs RLS SQL, and stops cleanly', async () => {
      const db = await makeBackend().start();
      try {
        expect(Math.floor(db.serverVersionNum / 10000)).toBe(expectMajor);
        expect(db.summary.serverVersion.startsWith(String(expectMajor))).toBe(true);
        expect(db.summary.writable).toBe(true);
        const password = new URL(db.adminUrl).password;
        expect(password.length).toBeGreaterThan(0);
        expect(JSON.stringify(db.summary)).not.toContain(password);
        await withClient(db.adminUrl, async (client) => {
          await client.query('create table t (tenant_id int, v text); alter table t enable row level security; alter table t force row level security');
          await client.query("create policy p on t using (tenant_id = current_setting('app.tenant', true)::int)");
          await client.query("insert into t values (1, 'a'), (2, 'b')");
          const rows = await client.query('select count(*)::int as n from t');
          expect(rows.rows[0].n).toBe(2); // superuser bypasses RLS
        });
      } finally {
        await db.stop();
        await db.stop(); // idempotent
      }
      await expect(connectClient(db.adminUrl, { connectTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'database-unreachable' });
      if (db.local) {
        expect(isRunning(db.local.pid)).toBe(false);
        expect(existsSync(db.local.dir)).toBe(false);
      }
    });

    it('stops when its abort signal fires', async () => {
      const controller = new AbortController();
      const db = await makeBackend().start({ signal: controller.signal });
      controller.abort();
      await db.stop(); // waits for the stop the abort began
      await expect(connectClient(db.adminUrl, { connectTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'database-unreachable' });
      if (db.local) expect(existsSync(db.local.dir)).toBe(false);
    });
  });
}

contract('embedded (npm binaries)', () => embeddedBackend(), 18);

describe.runIf(hasPg15)('url backend against an existing PostgreSQL 15', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startPg15();
  });
  afterAll(async () => {
    await server?.stop();
  });

  contract('url --scratch on PG 15', () => urlBackend({ url: superuserUrl(server), scratch: true }), 15);

  it('is read-only unless the database is declared disposable', async () => {
    const db = await urlBackend({ url: superuserUrl(server) }).start();
    expect(db.summary.writable).toBe(false);
    expect(() => assertWritable(db, 'seed tenants')).toThrow(/refusing to seed tenants in database "postgres".*not declared disposable/);
    await db.stop();
    const disposable = await urlBackend({ url: superuserUrl(server), disposable: true }).start();
    expect(disposable.summary.writable).toBe(true);
    await disposable.stop();
  });

  it('drops its scratch database on stop', async () => {
    const db = await urlBackend({ url: superuserUrl(server), scratch: true }).start();
    const name = db.summary.database;
    expect(name).toMatch(/^tenantguard_scratch_/);
    await db.stop();
    const left = await withClient(superuserUrl(server), (c) => c.query('select 1 from pg_database where datname = $1', [name]));
    expect(left.rowCount).toBe(0);
  });

  it('names host and database, never the password, when it cannot connect', async () => {
    const url = superuserUrl(server).replace(`:${server.port}/`, ':1/');
    const error = await urlBackend({ url }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('database-unreachable');
    expect((error as HarnessError).message).toContain('127.0.0.1:1');
    expect((error as HarnessError).message).not.toContain(server.password);
  });
});

describe('container backend', () => {
  it('fails within seconds, naming the other backends, where no Docker engine answers', async () => {
    const began = performance.now();
    const error = await containerBackend({ runtimeTimeoutMs: 5000 }).start().catch((e: unknown) => e);
    expect(performance.now() - began).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('backend-unavailable');
    expect((error as HarnessError).message).toMatch(/Docker/);
    expect((error as HarnessError).hint).toMatch(/embedded/);
    expect((error as HarnessError).hint).toMatch(/--database-url/);
  });
});
