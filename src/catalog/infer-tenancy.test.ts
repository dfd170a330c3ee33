import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWithSchema, startTestServer } from '../../test/helpers/database.ts';
import { HarnessError } from '../core/errors.ts';
import { withClient } from '../db/connect.ts';
import type { StartedDatabase } from '../db/database.ts';
import type { Scenario } from '../scenario/types.ts';
import { inferTenancy } from './infer-tenancy.ts';
import { introspect } from './introspect.ts';
import type { CatalogSnapshot } from './snapshot.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/catalog/${name}`, import.meta.url));

const nothingGiven: Scenario['tenancy'] = { tenantColumns: null, tenantTable: null, appRole: null, context: null, subject: 'tenant' };

let server: StartedDatabase;
let snapshot: CatalogSnapshot;

/** The tenancy fixture plus `extra` SQL, introspected. */
async function snapshotWith(extra: string): Promise<CatalogSnapshot> {
  const url = await databaseWithSchema(server, { files: [fixture('tenancy.sql')] }, 'tenancy');
  return withClient(url, async (client) => {
    await client.query(extra);
    return introspect(client);
  });
}

/** The HarnessError `work` throws. */
function errorOf(work: () => unknown): HarnessError {
  try {
    work();
  } catch (error) {
    if (error instanceof HarnessError) return error;
    throw error;
  }
  throw new Error('expected a HarnessError');
}

beforeAll(async () => {
  server = await startTestServer();
  const url = await databaseWithSchema(server, { files: [fixture('tenancy-roles.sql'), fixture('tenancy.sql')] }, 'tenancy');
  snapshot = await withClient(url, (client) => introspect(client));
});
afterAll(() => server?.stop());

describe('inferTenancy', () => {
  it('infers every piece from the catalog and says how', () => {
    const { tenancy, notes } = inferTenancy(snapshot, nothingGiven);
    expect(tenancy).toEqual({
      tenantColumns: ['tenant_id'],
      tenantTable: { schema: 'public', name: 'tenants' },
      appRole: { name: 'tn_app', login: { method: 'set-role' } },
      context: { kind: 'setting', setting: 'app.tenant_id' },
      subject: { kind: 'tenant' },
      inferred: notes,
    });
    expect(notes).toEqual([
      'tenant column: tenant_id (found on 3 tables)',
      'tenant table: public.tenants (referenced by 3 foreign keys)',
      'application role: tn_app (the only non-owner with grants on tenant tables; 3 tables, used through SET ROLE)',
      'context setting: app.tenant_id (read by 3 policies)',
    ]);
  });

  it('keeps what the scenario gives, checks it, and notes nothing', () => {
    const { tenancy, notes } = inferTenancy(snapshot, {
      tenantColumns: ['tenant_id'],
      tenantTable: 'public.tenants',
      appRole: { name: 'tn_app', password: 'tn-app-secret', login: 'password' },
      context: { statement: "select set_config('app.tenant_id', $1, true)" },
      subject: { membershipTable: 'public.memberships', userColumn: 'user_id', tenantColumn: 'tenant_id' },
    });
    expect(notes).toEqual([]);
    expect(tenancy.appRole).toEqual({ name: 'tn_app', login: { method: 'password', password: 'tn-app-secret' } });
    expect(tenancy.context).toEqual({ kind: 'statement', sql: "select set_config('app.tenant_id', $1, true)" });
    expect(tenancy.subject).toEqual({ kind: 'user', membershipTable: { schema: 'public', name: 'memberships' }, userColumn: 'user_id', tenantColumn: 'tenant_id' });
  });

  it('finds the setting through functions the policies call', async () => {
    const viaFunction = await snapshotWith(`
      drop policy tenant_isolation on projects; drop policy tenant_isolation on tasks;
      create policy tenant_isolation on projects using (tenant_id = current_tenant());
      create policy tenant_isolation on tasks using (tenant_id = public.current_tenant());`);
    const { tenancy, notes } = inferTenancy(viaFunction, nothingGiven);
    expect(tenancy.context).toEqual({ kind: 'setting', setting: 'app.tenant_id' });
    expect(notes).toContain('context setting: app.tenant_id (read by 3 policies, through functions they call)');
  });

  it('keeps scopes inside a tenant out of the tenant columns, but takes a second spelling', async () => {
    const mixed = await snapshotWith(`
      create table teams (tenant_id uuid not null references tenants (id), id bigint primary key);
      create table team_members (team_id bigint references teams (id), user_name text);
      create table legacy_notes (org_id uuid references tenants (id), body text);`);
    const { tenancy, notes } = inferTenancy(mixed, { ...nothingGiven, appRole: { name: 'tn_app', password: null, login: 'set-role' } });
    expect(tenancy.tenantColumns).toEqual(['tenant_id', 'org_id']);
    expect(notes.slice(0, 2)).toEqual(['tenant column: tenant_id (found on 4 tables)', 'tenant column: org_id (found on 1 table without tenant_id)']);
  });

  it('asks for the application role when several roles could be it', async () => {
    const ambiguous = await snapshotWith('grant select on invoices to tn_reporting');
    const error = errorOf(() => inferTenancy(ambiguous, nothingGiven));
    expect(error.code).toBe('scenario-invalid');
    expect(error.message).toBe('cannot infer the application role (candidates: tn_app, tn_reporting)');
    expect(error.hint).toContain('tenancy.appRole');
    // Naming it settles it.
    const given = { ...nothingGiven, appRole: { name: 'tn_reporting', password: null, login: 'set-role' as const } };
    expect(inferTenancy(ambiguous, given).tenancy.appRole.name).toBe('tn_reporting');
  });

  it('asks for the context when no policy reads a custom setting', async () => {
    const noPolicies = await snapshotWith('drop policy tenant_isolation on projects; drop policy tenant_isolation on tasks; drop policy tenant_isolation on invoices');
    const error = errorOf(() => inferTenancy(noPolicies, nothingGiven));
    expect(error.message).toBe('cannot infer the tenant context: no policy reads a custom setting with current_setting()');
    expect(error.hint).toContain('tenancy.context');
  });

  it('asks for the context when two settings are read equally often', async () => {
    const tie = await snapshotWith(`
      drop policy tenant_isolation on projects;
      create policy tenant_isolation on projects using (tenant_id = current_setting('app.org', true)::uuid);
      create policy org_check on invoices using (tenant_id = current_setting('app.org', true)::uuid);`);
    expect(errorOf(() => inferTenancy(tie, nothingGiven)).message).toBe(
      'cannot tell the tenant context: settings app.org and app.tenant_id are read by 2 policies each',
    );
  });

  it('rejects given values the catalog contradicts, naming the field', () => {
    const cases: [Partial<Scenario['tenancy']>, string, string][] = [
      [{ tenantColumns: ['org_id'] }, 'no table has a tenant column named org_id', 'tenancy.tenantColumns'],
      [{ tenantTable: 'public.orgs' }, 'the tenant table public.orgs does not exist', 'tenancy.tenantTable'],
      [{ appRole: { name: 'nobody', password: null, login: 'set-role' } }, 'the application role nobody does not exist', 'tenancy.appRole'],
      [{ appRole: { name: 'tn_app', password: null, login: 'password' } }, 'the application role tn_app logs in with a password but none was given', 'tenancy.appRole.password'],
    ];
    for (const [given, message, field] of cases) {
      const error = errorOf(() => inferTenancy(snapshot, { ...nothingGiven, ...given }));
      expect([error.message, error.hint?.includes(field)]).toEqual([message, true]);
    }
  });

  it('asks for the tenant column when no conventional name is present', () => {
    const renamed: CatalogSnapshot = {
      ...snapshot,
      relations: snapshot.relations.map((r) => ({ ...r, columns: r.columns.map((c) => ({ ...c, name: c.name === 'tenant_id' ? 'client' : c.name })) })),
    };
    const error = errorOf(() => inferTenancy(renamed, nothingGiven));
    expect(error.message).toMatch(/^cannot infer the tenant column: no table has a column named tenant_id, org_id/);
    expect(error.hint).toContain('tenancy.tenantColumns');
  });
});
