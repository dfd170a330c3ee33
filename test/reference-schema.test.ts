import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { pgErrorFields, withClient, withCredentials } from '../src/db/connect.ts';
import type { StartedDatabase } from '../src/db/database.ts';
import { databaseWithSchema, startTestServer } from './helpers/database.ts';

/**
 * The secure reference schema, as the application sees it: applied on PostgreSQL 18 (the
 * embedded binaries) and 15 (Debian's, when installed), then probed as tenantguard_app the
 * way the application connects: its own password, the tenant set per transaction.
 */

const schemaFile = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/reference/schema.sql');
const pg15 = '/usr/lib/postgresql/15/bin';

const A = '0000000a-0000-4000-8000-000000000000';
const B = '0000000b-0000-4000-8000-000000000000';
const id = (tenant: string, n: number) => `${tenant.slice(0, 8)}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Two tenants with a row in every table, written as the administrator (RLS does not apply). */
const seedSql = [A, B]
  .map(
    (t, i) => `
  insert into tenants (id, name, slug, plan) values ('${t}', 'Tenant ${i}', 'tenant-${i}', 'pro');
  insert into users (id, email, name) values ('${id(t, 1)}', 'user${i}@example.test', 'User ${i}');
  insert into memberships (tenant_id, user_id, role) values ('${t}', '${id(t, 1)}', 'owner');
  insert into projects (tenant_id, id, name, slug, created_by) values ('${t}', '${id(t, 2)}', 'Project ${i}', 'project', '${id(t, 1)}');
  insert into documents (tenant_id, id, project_id, title, body, author_id) values ('${t}', '${id(t, 3)}', '${id(t, 2)}', 'Doc ${i}', 'secret ${i}', '${id(t, 1)}');
  insert into tags (tenant_id, id, name) values ('${t}', '${id(t, 4)}', 'tag');
  insert into document_tags (tenant_id, document_id, tag_id) values ('${t}', '${id(t, 3)}', '${id(t, 4)}');
  insert into comments (tenant_id, id, document_id, author_id, body) values ('${t}', '${id(t, 5)}', '${id(t, 3)}', '${id(t, 1)}', 'first');
  insert into comments (tenant_id, id, document_id, parent_comment_id, body) values ('${t}', '${id(t, 6)}', '${id(t, 3)}', '${id(t, 5)}', 'reply');
  insert into invoices (tenant_id, id, number, total_cents) values ('${t}', '${id(t, 7)}', 'INV-1', 100);
  insert into invoice_line_items (invoice_id, description, unit_price_cents) values ('${id(t, 7)}', 'seat', 100);
  insert into audit_events (tenant_id, action) values ('${t}', 'created');`,
  )
  .join('\n');

/** Relations the application reads, each with two rows (one per tenant) once seeded. */
const readable = ['tenants', 'users', 'memberships', 'projects', 'documents', 'tags', 'document_tags', 'invoices', 'invoice_line_items', 'audit_events', 'project_summaries'];

const servers = [
  { name: 'PostgreSQL 18 (embedded)', available: true, start: startTestServer },
  { name: 'PostgreSQL 15 (Debian)', available: existsSync(join(pg15, 'postgres')), start: () => embeddedBackend({ binDir: pg15 }).start() },
];

describe.each(servers)('the reference schema on $name', ({ available, start }) => {
  let server: StartedDatabase | undefined;
  let adminUrl: string;
  let appUrl: string;

  /** Runs `sql` as the application in one transaction with `tenant` set, then rolls back. */
  const asApp = <T>(tenant: string, work: (query: (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<T>) =>
    withClient(appUrl, async (client) => {
      await client.query('begin');
      try {
        await client.query("select set_config('app.tenant_id', $1, true)", [tenant]);
        return await work(async (sql, values) => (await client.query(sql, values)).rows as Record<string, unknown>[]);
      } finally {
        await client.query('rollback');
      }
    });

  /** The SQLSTATE a statement fails with as the application, or 'ok'. */
  const failureOf = (tenant: string, sql: string) =>
    asApp(tenant, (query) => query(sql)).then(
      () => 'ok',
      (error: unknown) => pgErrorFields(error)?.code ?? String(error),
    );

  beforeAll(async () => {
    if (!available) return;
    server = await start();
    adminUrl = await databaseWithSchema(server, { files: [schemaFile] }, 'reference');
    await withClient(adminUrl, (client) => client.query(seedSql));
    appUrl = withCredentials(adminUrl, 'tenantguard_app', 'tenantguard_app');
  });
  afterAll(() => server?.stop());

  it.skipIf(!available)('applies again to a second database of the same server', async () => {
    await expect(databaseWithSchema(server!, { files: [schemaFile] }, 'again')).resolves.toMatch(/again_/);
  });

  it.skipIf(!available)('runs the application as a least-privileged role that owns nothing', async () => {
    const [role] = await withClient(adminUrl, async (client) =>
      (
        await client.query(`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
          (select count(*)::int from pg_class where relowner = r.oid) as owned
          from pg_roles r where rolname = 'tenantguard_app'`)
      ).rows,
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, owned: 0 });
    expect(await failureOf(A, 'truncate documents')).toBe('42501');
    expect(await failureOf(A, 'select * from audit_events_p0')).toBe('42501');
    expect(await failureOf(A, "insert into plans values ('x', 'X', 0, 0)")).toBe('42501');
  });

  it.skipIf(!available)("shows a tenant its own rows only, in every table and the view", async () => {
    const counts = await asApp(A, async (query) => {
      const result: Record<string, unknown> = {};
      for (const table of readable) result[table] = (await query(`select count(*)::int as n from ${table}`))[0]!.n;
      return result;
    });
    expect(counts).toEqual(Object.fromEntries(readable.map((table) => [table, 1])));
    const stolen = await asApp(A, (query) => query('select body from documents where tenant_id = $1 or id = $2', [B, id(B, 3)]));
    expect(stolen).toEqual([]);
  });

  it.skipIf(!available)("refuses writes that name another tenant", async () => {
    expect(await failureOf(A, `insert into projects (tenant_id, name, slug) values ('${B}', 'x', 'x')`)).toBe('42501');
    expect(await failureOf(A, `update projects set tenant_id = '${B}'`)).toBe('42501');
    expect(await failureOf(A, `insert into invoice_line_items (invoice_id, description, unit_price_cents) values ('${id(B, 7)}', 'x', 1)`)).toBe('42501');
    // A reference to another tenant's row fails like a reference to no row at all.
    expect(await failureOf(A, `insert into documents (tenant_id, project_id, title) values ('${A}', '${id(B, 2)}', 'x')`)).toBe('23503');
    const changed = await asApp(A, (query) => query(`update documents set title = 'mine' where id = '${id(B, 3)}' returning id`));
    expect(changed).toEqual([]);
  });

  it.skipIf(!available)('shows nothing once the tenant setting is left empty by an earlier transaction', async () => {
    const seen = await withClient(appUrl, async (client) => {
      // Never set on this connection: the setting reads as NULL, which matches nothing either.
      const fresh = (await client.query('select count(*)::int as n from documents')).rows[0];
      expect(fresh).toEqual({ n: 0 });
      await client.query('begin');
      await client.query("select set_config('app.tenant_id', $1, true)", [A]);
      await client.query('commit');
      const setting = (await client.query("select current_setting('app.tenant_id', true) as v")).rows[0];
      const rows: Record<string, unknown> = { setting: setting?.v };
      for (const table of readable) rows[table] = (await client.query(`select count(*)::int as n from ${table}`)).rows[0]?.n;
      return rows;
    });
    expect(seen).toEqual({ setting: '', ...Object.fromEntries(readable.map((table) => [table, 0])) });
  });
});
