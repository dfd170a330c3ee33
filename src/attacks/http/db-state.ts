import type { SqlClient } from '../../core/sql.ts';
import { quoteIdent, quoteLiteral } from '../../db/quote.ts';

/**
 * Ground truth for HTTP writes. The app commits, so a write cannot be rolled back like the SQL
 * probes' cases: before every write case the harness takes, as the admin, a digest of each
 * tenant's rows and a copy of every table the routes can change; after it, compares the
 * digests (another tenant's digest changed: a cross-tenant write) and restores every table
 * whose content changed from the copy, with triggers and foreign-key checks off
 * (`session_replication_role = replica`), so cascades are undone too and the dataset is the
 * same for the next case — shrinking and replay stay exact. The seed is small, so a copy of
 * the whole table is cheap and exact, where undoing a single write would miss its cascades.
 */

/** Tables behind the reference app's routes (and what their writes cascade or trigger into). */
export const writableTables = ['projects', 'documents', 'document_tags', 'comments', 'invoices', 'invoice_line_items', 'audit_events'] as const;

/** A copy of the writable tables and per-tenant digests. */
export interface DbState {
  /** Table → md5 of the whole table. */
  tables: Map<string, string>;
  /** Table → JSON array of every row. */
  rows: Map<string, string>;
  /** `table:tenant` → count and md5 of that tenant's rows (tables with a tenant_id column). */
  tenants: Map<string, string>;
}

async function existing(client: SqlClient): Promise<{ table: string; tenantColumn: boolean }[]> {
  const { rows } = await client.query<{ table: string; tenant: boolean }>(
    `select c.relname as table, exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as tenant
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any($1::text[]) and not c.relispartition`,
    [[...writableTables]],
  );
  return rows.map((r) => ({ table: r.table, tenantColumn: r.tenant }));
}

/** Takes the state (one admin round trip per table). */
export async function snapshotState(client: SqlClient): Promise<DbState> {
  const state: DbState = { tables: new Map(), rows: new Map(), tenants: new Map() };
  for (const { table, tenantColumn } of await existing(client)) {
    const t = `public.${quoteIdent(table)}`;
    const { rows } = await client.query<{ md5: string | null; rows: string | null }>(
      `select md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as md5, coalesce(json_agg(x), '[]')::text as rows from ${t} x`,
    );
    state.tables.set(table, rows[0]!.md5 ?? '');
    state.rows.set(table, rows[0]!.rows ?? '[]');
    if (tenantColumn) {
      const per = await client.query<{ tenant: string; digest: string }>(
        `select tenant_id::text as tenant, count(*) || ':' || md5(string_agg(x::text, E'\\n' order by x::text)) as digest from ${t} x group by tenant_id`,
      );
      for (const r of per.rows) state.tenants.set(`${table}:${r.tenant}`, r.digest);
    }
  }
  return state;
}

/** Tenants (ids) whose rows differ between two states, with the tables that changed for them. */
export function changedTenants(before: DbState, after: DbState): Map<string, string[]> {
  const changed = new Map<string, string[]>();
  for (const key of new Set([...before.tenants.keys(), ...after.tenants.keys()])) {
    if (before.tenants.get(key) === after.tenants.get(key)) continue;
    const [table, tenant] = key.split(':') as [string, string];
    changed.set(tenant, [...(changed.get(tenant) ?? []), table]);
  }
  return changed;
}

/** Restores every table whose content differs from `before`; returns the tables restored. */
export async function restoreState(client: SqlClient, before: DbState, after: DbState): Promise<string[]> {
  const changed = [...before.tables.keys()].filter((t) => before.tables.get(t) !== after.tables.get(t));
  if (changed.length === 0) return [];
  const statements = ['begin', `set local session_replication_role = replica`];
  for (const table of changed) statements.push(`delete from public.${quoteIdent(table)}`);
  for (const table of changed) {
    statements.push(`insert into public.${quoteIdent(table)} select * from json_populate_recordset(null::public.${quoteIdent(table)}, ${quoteLiteral(before.rows.get(table)!)}::json)`);
  }
  statements.push('commit');
  try {
    await client.query(statements.join(';\n'));
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return changed;
}
