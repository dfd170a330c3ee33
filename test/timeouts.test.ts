import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../src/db/local-server.ts';
import { runCli } from './helpers/cli.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

/**
 * Issue 8, faults: a statement that would hang. Another session holds an ACCESS EXCLUSIVE lock
 * on a table the run must read (its catalog entry, then its rows); the harness's lock timeout (TENANTGUARD_LOCK_TIMEOUT_MS, short
 * here) ends the wait, and the run stops with an error naming the timeout — not forever.
 */

const work = mkdtempSync(join(tmpdir(), 'tenantguard-timeouts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Set up beforehand, so the run's own schema is a no-op that takes no lock on the held table.
const setup = `
create table tenants (id uuid primary key, name text not null);
create table notes (id uuid primary key, tenant_id uuid not null references tenants, body text not null);
create role hang_app nologin;
grant select, insert, update, delete on tenants, notes to hang_app;
alter table notes enable row level security;
create policy notes_tenant on notes using (tenant_id = current_setting('app.tenant_id', true)::uuid);
`;
const schema = `
create table if not exists tenants (id uuid primary key, name text not null);
create table if not exists notes (id uuid primary key, tenant_id uuid not null references tenants, body text not null);
`;

describe.runIf(hasPg15)('a database call that would wait forever', () => {
  let server: LocalServer;
  let holder: pg.Client;
  beforeAll(async () => {
    server = await startPg15();
    const admin = new pg.Client({ connectionString: superuserUrl(server) });
    await admin.connect();
    await admin.query('create database hang');
    await admin.end();
    holder = new pg.Client({ connectionString: superuserUrl(server, 'hang') });
    await holder.connect();
    await holder.query(setup);
  });
  afterAll(async () => {
    await holder?.end().catch(() => {});
    await server?.stop();
  });

  it('gives up on a lock another session holds after the lock timeout, names it, and exits 4', async () => {
    writeFileSync(join(work, 'hang.sql'), schema);
    const scenario = join(work, 'hang.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'hang',
        schema: ['hang.sql'],
        tenancy: { tenantColumns: ['tenant_id'], tenantTable: 'public.tenants', appRole: { name: 'hang_app', login: 'set-role' }, context: { setting: 'app.tenant_id' } },
        seed: { tenants: 2, rowsPerTable: 2 },
        attacks: { runs: 10 },
        load: { enabled: false },
      }),
    );
    await holder.query('begin; lock table tenants in access exclusive mode');
    const out = join(work, 'out');
    const began = Date.now();
    const result = await runCli(['run', scenario, '--database-url', superuserUrl(server, 'hang'), '--disposable', '--seed', '1', '--out', out], {
      DATABASE_URL: '',
      TENANTGUARD_LOCK_TIMEOUT_MS: '1500',
    });
    await holder.query('rollback');
    expect(Date.now() - began).toBeLessThan(60_000);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout + result.stderr).toMatch(/lock timeout/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.complete).toBe(false);
    expect(report.error.message).toMatch(/lock timeout/);
  }, 120_000);
});
