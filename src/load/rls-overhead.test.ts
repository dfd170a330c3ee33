import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceApp } from '../app/start-app.ts';
import { inferTenancy } from '../catalog/infer-tenancy.ts';
import { introspect } from '../catalog/introspect.ts';
import { withClient, withCredentials, withDatabase } from '../db/connect.ts';
import type { LocalServer } from '../db/local-server.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { seedTenants } from '../seed/seed-tenants.ts';
import { repoRoot } from '../../test/helpers/cli.ts';
import { databaseWithSchema, useTestServer } from '../../test/helpers/database.ts';
import { hasPg15, startPg15, superuserUrl } from '../../test/helpers/pg15.ts';
import { createBypassRole } from './rls-overhead.ts';

// A table of two tenants' rows behind RLS, readable by the app role only through its grant.
const schema = `
do $$ begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'rls_app') then
    create role rls_app login password 'rls_app' nosuperuser nobypassrls;
  end if;
end $$;
create table public.notes (tenant_id uuid not null, body text not null);
alter table public.notes enable row level security;
alter table public.notes force row level security;
create policy notes_tenant on public.notes to rls_app using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant usage on schema public to rls_app;
grant select on public.notes to rls_app;
insert into public.notes values
  ('11111111-1111-4111-8111-111111111111', 'a'), ('11111111-1111-4111-8111-111111111111', 'b'),
  ('22222222-2222-4222-8222-222222222222', 'c');
`;

/** As the bypass role, no tenant context: every tenant's rows; as the app role: none; then dropped. */
async function expectBypassesRls(adminUrl: string) {
  const count = (url: string) => withClient(url, async (c) => (await c.query<{ n: number }>('select count(*)::int as n from public.notes')).rows[0]!.n);
  const bypass = await createBypassRole(adminUrl, 'rls_app');
  try {
    expect(bypass.name).toMatch(/^tenantguard_bypass_[0-9a-f]{8}$/);
    const [attributes] = await withClient(adminUrl, async (c) => (await c.query('select rolsuper, rolbypassrls, rolcanlogin, rolinherit from pg_catalog.pg_roles where rolname = $1', [bypass.name])).rows);
    expect(attributes).toEqual({ rolsuper: false, rolbypassrls: true, rolcanlogin: true, rolinherit: true });
    // No grant of its own: the count works only through the app role's inherited SELECT.
    expect(await count(withCredentials(adminUrl, bypass.name, bypass.password))).toBe(3);
    expect(await count(withCredentials(adminUrl, 'rls_app', 'rls_app'))).toBe(0);
  } finally {
    await bypass.drop();
  }
  await bypass.drop();
  expect(await withClient(adminUrl, async (c) => (await c.query('select 1 from pg_catalog.pg_roles where rolname = $1', [bypass.name])).rowCount)).toBe(0);
}

describe('createBypassRole on the embedded server (PostgreSQL 18)', () => {
  const server = useTestServer();

  it('sees every tenant’s rows with the app role’s privileges, and is dropped', async () => {
    await expectBypassesRls(await databaseWithSchema(server(), schema, 'rls'));
  });

  it('refuses an app role that does not exist', async () => {
    await expect(createBypassRole(server().adminUrl, 'no_such_role')).rejects.toMatchObject({ code: 'usage', message: 'the app role "no_such_role" does not exist' });
  });

  it('serves the reference app’s routes, still filtered by tenant', async () => {
    const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
    const url = await databaseWithSchema(server(), { files: scenario.schema }, 'app');
    const snapshot = await withClient(url, (c) => introspect(c));
    const manifest = await seedTenants(url, snapshot, inferTenancy(snapshot, scenario.tenancy).tenancy, { tenants: 2, rowsPerTable: 3, seed: 5 });
    const tenant = manifest.tenants[0]!.id;
    const ids = await withClient(url, async (c) => ({
      user: (await c.query<{ u: string }>('select user_id::text as u from public.memberships where tenant_id = $1 limit 1', [tenant])).rows[0]!.u,
      projects: (await c.query<{ id: string }>('select id::text from public.projects where tenant_id = $1', [tenant])).rows.map((r) => r.id).sort(),
    }));
    const bypass = await createBypassRole(url, 'tenantguard_app');
    const app = await startReferenceApp({ databaseUrl: url, appRole: bypass, poolSize: 2, jwtSecret: 'rls-overhead-test' });
    try {
      const response = await fetch(`${app.url}/projects`, { headers: { authorization: `Bearer ${await app.mintToken(tenant, ids.user)}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: { id: string }[] };
      expect(body.items.map((item) => item.id).sort()).toEqual(ids.projects);
    } finally {
      await app.close();
      await bypass.drop();
    }
  });
});

describe.runIf(hasPg15)('createBypassRole on PostgreSQL 15 (membership inherits through the role attribute)', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startPg15();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('sees every tenant’s rows with the app role’s privileges, and is dropped', async () => {
    const admin = superuserUrl(server);
    await withClient(admin, (c) => c.query('create database rls'));
    const url = withDatabase(admin, 'rls');
    await withClient(url, (c) => c.query(schema));
    await expectBypassesRls(url);
  });
});
