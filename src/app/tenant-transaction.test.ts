import { describe, expect, it } from 'vitest';
import { databaseWithSchema, useTestServer } from '../../test/helpers/database.ts';
import { createPool } from '../db/connect.ts';
import { UninlinableParameterError } from '../db/inline-params.ts';
import { createTransactionRunner, type TenantScope } from './tenant-transaction.ts';

// The one-round-trip path must keep every guarantee of the transaction path: the tenant is
// set for exactly this statement's transaction, the connection comes back clean, the plan's
// statement budget applies, and a failure leaves nothing behind.
describe('TransactionRunner.one', () => {
  const server = useTestServer();
  const schema = `
    create table notes (tenant_id text not null, body text not null);
    alter table notes enable row level security;
    create policy by_tenant on notes using (tenant_id = current_setting('app.tenant_id', true));
    create role tt_app login password 'tt_app';
    grant select, insert on notes to tt_app;
    insert into notes values ('a', 'a1'), ('a', 'a2'), ('b', 'b1');`;
  const scope = (tenant: string, extra: Partial<TenantScope> = {}): TenantScope => ({ tenant, user: 'u', statementTimeoutMs: null, ...extra });

  it('runs the statement for the scope’s tenant only and returns a clean connection', async () => {
    const admin = await databaseWithSchema(server(), schema, 'onetrip');
    const url = new URL(admin);
    url.username = 'tt_app';
    url.password = 'tt_app';
    // One connection: every call reuses it, so anything left on it would show.
    const pool = createPool(url.toString(), 1);
    try {
      const runner = createTransactionRunner(pool, undefined);
      // The session's own default (the harness gives every session a statement timeout).
      const { timeout: sessionTimeout } = (await pool.query<{ timeout: string }>(`select current_setting('statement_timeout') as timeout`)).rows[0]!;
      const bodies = async (tenant: string) => (await runner.one<{ body: string }>(scope(tenant), 'select body from notes where $1::int > 0 order by body', [1])).map((r) => r.body);
      expect(await bodies('a')).toEqual(['a1', 'a2']);
      expect(await bodies('b')).toEqual(['b1']);
      // Nothing of the last request stays on the connection.
      const left = await pool.query(`select current_setting('app.tenant_id', true) as tenant, current_setting('statement_timeout') as timeout, pg_current_xact_id_if_assigned() as xact`);
      expect(left.rows).toEqual([{ tenant: '', timeout: sessionTimeout, xact: null }]);
      // The plan's budget applies to the statement.
      await expect(runner.one(scope('a', { statementTimeoutMs: 50 }), 'select pg_sleep(1)')).rejects.toMatchObject({ code: '57014' });
      // A failed statement rolls back its implicit transaction (the insert is gone) and the
      // connection is still usable.
      await expect(runner.one(scope('a'), `insert into notes values ($1, 'x'); select 1 / 0`, ['a'])).rejects.toMatchObject({ code: '22012' });
      expect(await bodies('a')).toEqual(['a1', 'a2']);
      expect(pool.totalCount).toBe(1);
      // A value that cannot travel as a literal never reaches the database.
      await expect(runner.one(scope('a', { user: 'u\u0000x' }), 'select 1')).rejects.toBeInstanceOf(UninlinableParameterError);
      // Without the tenant (the route-without-tenant flaw's branch), RLS sees no context.
      expect(await runner.one(scope('a'), 'select body from notes', [], { withoutTenant: true })).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 30_000);
});
