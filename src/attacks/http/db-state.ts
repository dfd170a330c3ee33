import { createHash } from 'node:crypto';
import type { CanaryCodec } from '../../core/canary.ts';
import type { SeedManifest } from '../../core/manifest.ts';
import { formatQualifiedName, type QualifiedName } from '../../core/names.ts';
import type { SqlClient } from '../../core/sql.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';

/**
 * Ground truth for HTTP writes. The app commits, so a write cannot be rolled back like the SQL
 * probes' cases: before every write case the harness takes, as the admin, a copy of every
 * table an API could change and a digest of each tenant's rows in it; after it, compares the
 * digests (another tenant's digest changed: a cross-tenant write) and restores every table
 * whose content changed from the copy, with triggers and foreign-key checks off
 * (`session_replication_role = replica`), so cascades are undone too and the dataset is the
 * same for the next case — shrinking and replay stay exact. The seed is small, so a copy of
 * the whole table is cheap and exact, where undoing a single write would miss its cascades.
 *
 * Which tables: every table of the manifest that is not shared reference data (a partition's
 * rows are read and restored through its parent). Reaching the tables an API changes through
 * foreign keys would miss those its triggers write, and all of them are one query anyway.
 * Whose rows: the manifest's ownership — a tenant column, the registry's key, else the
 * manifest's row keys, else a canary in the row (rows the attacks created with a marker).
 */

/** One table the state covers, with what attributes a row to a tenant. */
export interface StateTable {
  /** `schema.name`, as findings name it. */
  name: string;
  table: QualifiedName;
  /** Columns restored (generated ones are left to Postgres). */
  columns: string[];
  /** The owning tenant's id of a row, or null when the row cannot be attributed. */
  ownerOf(row: Record<string, unknown>): string | null;
}

/** What a snapshot reads: planned once per target from the manifest and the catalog. */
export interface StatePlan {
  tables: StateTable[];
  /** One statement that reads every table as `(t, rows)`. */
  query: string;
}

/** Copies of the tables and per-tenant digests. */
export interface DbState {
  /** Table → digest of the whole table. */
  tables: Map<string, string>;
  /** Table → JSON array of every row. */
  rows: Map<string, string>;
  /** `table\u0000tenant id` → count and digest of that tenant's rows. */
  tenants: Map<string, string>;
}

const text = (value: unknown) => (value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value));

/** Plans the state of a manifest's tables (one catalog query). */
export async function planState(client: SqlClient, manifest: SeedManifest, codec: CanaryCodec): Promise<StatePlan> {
  const candidates = manifest.tables.filter((t) => t.ownership.kind !== 'shared');
  const { rows } = await client.query<{ name: string; columns: string[] }>(
    `select n.nspname || '.' || c.relname as name, array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' order by a.attnum) as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and n.nspname || '.' || c.relname = any($1::text[])`,
    [candidates.map((t) => formatQualifiedName(t.table))],
  );
  const columnsOf = new Map(rows.map((r) => [r.name, r.columns]));
  const ids = manifest.tenants.map((t) => t.id);
  const tables: StateTable[] = [];
  for (const seeded of candidates) {
    const name = formatQualifiedName(seeded.table);
    const columns = columnsOf.get(name);
    if (!columns) continue;
    const keyOwner = new Map<string, string>();
    for (const [index, keys] of seeded.keys) for (const key of keys) if (ids[index] !== undefined) keyOwner.set(key.join('\u0000'), ids[index]!);
    const own = seeded.ownership;
    const byCanary = (row: Record<string, unknown>) => {
      const hit = codec.scan(JSON.stringify(row))[0];
      return hit ? (ids[hit.tenantIndex] ?? null) : null;
    };
    const byKey = (row: Record<string, unknown>) => keyOwner.get(seeded.keyColumns.map((c) => text(row[c]) ?? '').join('\u0000')) ?? byCanary(row);
    const ownerOf =
      own.kind === 'column' ? (row: Record<string, unknown>) => text(row[own.column]) ?? byKey(row)
      : own.kind === 'registry' && seeded.keyColumns.length === 1 ? (row: Record<string, unknown>) => text(row[seeded.keyColumns[0]!])
      : byKey;
    tables.push({ name, table: seeded.table, columns, ownerOf });
  }
  const query = tables.length === 0 ? '' : tables.map((t) => `select ${quoteLiteral(t.name)} as t, coalesce(json_agg(x), '[]')::text as rows from ${quoteQualified(t.table)} x`).join('\nunion all\n');
  return { tables, query };
}

const digest = (lines: string[]) => `${lines.length}:${createHash('sha1').update(lines.sort().join('\n')).digest('hex')}`;

/** Takes the state: one admin round trip, digests computed here. */
export async function snapshotState(client: SqlClient, plan: StatePlan): Promise<DbState> {
  const state: DbState = { tables: new Map(), rows: new Map(), tenants: new Map() };
  if (!plan.query) return state;
  const { rows } = await client.query<{ t: string; rows: string }>(plan.query);
  const byName = new Map(plan.tables.map((t) => [t.name, t]));
  for (const { t, rows: json } of rows) {
    const table = byName.get(t)!;
    const parsed = JSON.parse(json) as Record<string, unknown>[];
    const lines = parsed.map((row) => JSON.stringify(row));
    state.tables.set(t, digest([...lines]));
    state.rows.set(t, json);
    const perTenant = new Map<string, string[]>();
    parsed.forEach((row, i) => {
      const owner = table.ownerOf(row);
      if (owner !== null) perTenant.set(owner, [...(perTenant.get(owner) ?? []), lines[i]!]);
    });
    for (const [tenant, own] of perTenant) state.tenants.set(`${t}\u0000${tenant}`, digest(own));
  }
  return state;
}

/** Tenants (ids) whose rows differ between two states, with the tables that changed for them. */
export function changedTenants(before: DbState, after: DbState): Map<string, string[]> {
  const changed = new Map<string, string[]>();
  for (const key of new Set([...before.tenants.keys(), ...after.tenants.keys()])) {
    if (before.tenants.get(key) === after.tenants.get(key)) continue;
    const [table, tenant] = key.split('\u0000') as [string, string];
    changed.set(tenant, [...(changed.get(tenant) ?? []), table]);
  }
  return changed;
}

/** Restores every table whose content differs from `before`; returns the tables restored. */
export async function restoreState(client: SqlClient, plan: StatePlan, before: DbState, after: DbState): Promise<string[]> {
  const changed = plan.tables.filter((t) => before.tables.get(t.name) !== after.tables.get(t.name));
  if (changed.length === 0) return [];
  const statements = ['begin', `set local session_replication_role = replica`];
  for (const t of changed) statements.push(`delete from ${quoteQualified(t.table)}`);
  for (const t of changed) {
    const table = quoteQualified(t.table);
    const columns = t.columns.map(quoteIdent).join(', ');
    statements.push(`insert into ${table} (${columns}) overriding system value select ${columns} from json_populate_recordset(null::${table}, ${quoteLiteral(before.rows.get(t.name)!)}::json)`);
  }
  statements.push('commit');
  try {
    await client.query(statements.join(';\n'));
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return changed.map((t) => t.name);
}
