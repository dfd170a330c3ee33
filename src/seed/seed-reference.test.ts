import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { introspect } from '../catalog/introspect.ts';
import { isHarnessError } from '../core/errors.ts';
import { withClient } from '../db/connect.ts';
import { databaseWithSchema, useTestServer } from '../../test/helpers/database.ts';
import { manifestFromDatabase } from './manifest-from-database.ts';
import { manifestKeys, testTenancy } from './seed-test-support.ts';
import { seedTenants } from './seed-tenants.ts';
import { verifySeed } from './verify-seed.ts';

/** The seeder on the reference schema: membership tenancy, derived manifests, interruption. */

const reference = fileURLToPath(new URL('../../fixtures/reference/schema.sql', import.meta.url));
const tenancy = testTenancy({
  tenantColumns: ['tenant_id'],
  tenantTable: { schema: 'public', name: 'tenants' },
  subject: { kind: 'user', membershipTable: { schema: 'public', name: 'memberships' }, userColumn: 'user_id', tenantColumn: 'tenant_id' },
});

const testServer = useTestServer();

describe('seedTenants on the reference schema', () => {
  it('seeds every table, gives each tenant users of its own, and the data agrees with the manifest', async () => {
    const url = await databaseWithSchema(testServer(), { files: [reference] }, 'seedref');
    const snapshot = await withClient(url, (client) => introspect(client));
    const manifest = await seedTenants(url, snapshot, tenancy, { tenants: 5, rowsPerTable: { '*': 8, 'public.comments': 12 }, seed: 11 });
    expect(manifest.problems).toEqual([]);
    expect(await verifySeed(url, snapshot, tenancy, manifest)).toEqual([]);
    const names = manifest.tables.map((t) => t.table.name);
    expect(names).not.toContain('audit_events_p0');
    expect(names).not.toContain('project_summaries');
    // The schema's own plans are reference data: used, not reseeded.
    expect(manifest.tables.find((t) => t.table.name === 'plans')!.rowCount).toBe(3);
    expect(manifest.tables.find((t) => t.table.name === 'comments')!.rowCount).toBe(5 * 12);
    expect(manifest.tables.find((t) => t.table.name === 'invoice_line_items')!.ownership).toEqual({ kind: 'path', via: ['public.invoices'] });
    // Users have no tenant column and no path up, but RLS and one tenant's memberships each:
    // owned backwards, through memberships, and their emails are canaries like any tenant data.
    const usersTable = manifest.tables.find((t) => t.table.name === 'users')!;
    expect(usersTable.ownership).toEqual({ kind: 'referenced', by: 'public.memberships' });
    expect(usersTable.canaryColumns).toEqual(expect.arrayContaining(['id', 'email', 'name']));
    expect(usersTable.keys.get(-1)).toBeUndefined();
    const users = manifest.tenants.map((t) => t.users ?? []);
    expect(users.every((u) => u.length === 8)).toBe(true);
    expect(new Set(users.flat()).size).toBe(5 * 8);
    await withClient(url, async (client) => {
      const shared = await client.query('select count(*)::int as n from (select user_id from memberships group by user_id having count(*) > 1) s');
      expect(shared.rows[0]!.n).toBe(0);
    });

    const derived = await manifestFromDatabase(url, snapshot, tenancy, 11);
    expect(derived.tenants.map((t) => t.id)).toEqual(manifest.tenants.map((t) => t.id));
    expect(manifestKeys(derived)).toEqual(manifestKeys(manifest));
    expect(derived.tables.every((t) => t.canaryColumns.length === 0)).toBe(true);
    expect(derived.notes?.[0]).toMatch(/no canaries/);
    expect(derived.tenants.map((t) => [...(t.users ?? [])].sort())).toEqual(users.map((u) => [...u].sort()));
  });

  it('stops on abort with an interrupted error and commits nothing', async () => {
    const url = await databaseWithSchema(testServer(), { files: [reference] }, 'seedabort');
    const snapshot = await withClient(url, (client) => introspect(client));
    const controller = new AbortController();
    const error = await seedTenants(url, snapshot, tenancy, {
      tenants: 3,
      rowsPerTable: 50,
      seed: 1,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'progress' && event.detail === 'public.tenants') controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(isHarnessError(error) && error.code).toBe('interrupted');
    await withClient(url, async (client) => {
      const tenants = await client.query('select count(*)::int as n from tenants');
      expect(tenants.rows[0]!.n).toBe(0);
    });
  });
});
