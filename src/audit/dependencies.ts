import type { Function as CatalogFunction, Relation } from '../catalog/snapshot.ts';
import { quoteQualified } from '../db/quote.ts';
import { identifierChains } from './body-scan.ts';
import type { AuditContext } from './context.ts';
import { nameOf, tenantDataText } from './describe.ts';

/**
 * What views, materialized views and functions read, and which of it is tenant data. Shared
 * by the rules on objects that reach tenant tables on someone else's rights.
 */

/** True when a reloption reads as true the way Postgres parses booleans (`true`, `on`, `yes`, `1`, prefixes of true/yes). */
export function optionIsTrue(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? '';
  return v === 'on' || v === '1' || (v.length > 0 && ('true'.startsWith(v) || 'yes'.startsWith(v)));
}

/** True when a view runs with its caller's rights (`security_invoker`, PostgreSQL 15+; PostgreSQL 14 has none). */
export function isSecurityInvoker(view: Relation): boolean {
  return view.kind === 'view' && optionIsTrue(view.view?.options['security_invoker']);
}

/** One relation read on behalf of a view, and the role whose rights Postgres checks the read with. */
export interface RelationRead {
  relation: Relation;
  /** The role whose privileges and row-level security apply; null for the caller itself. */
  checkedAs: string | null;
  /** The views (and materialized view) passed through, outermost first. */
  via: Relation[];
}

/**
 * Every relation a view or materialized view reads, transitively through the views it reads.
 * A view with owner rights checks what it reads as its owner; a `security_invoker` view as
 * whoever reads it (`caller`, null for the session's role). A materialized view's query runs
 * at REFRESH as its owner, and a materialized view it reads is a leaf: its rows are stored.
 */
export function viewReads(context: Pick<AuditContext, 'relation'>, view: Relation, caller: string | null = null): RelationRead[] {
  const reads: RelationRead[] = [];
  const seen = new Set<string>();
  const visit = (current: Relation, as: string | null, via: Relation[]) => {
    const inner = isSecurityInvoker(current) ? as : current.owner;
    const path = [...via, current];
    for (const qualified of current.dependsOn) {
      const relation = context.relation(qualified);
      if (!relation || relation.oid === current.oid) continue;
      const key = `${relation.oid}|${inner ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      reads.push({ relation, checkedAs: inner, via: path });
      if (relation.kind === 'view') visit(relation, inner, path);
    }
  };
  visit(view, caller, []);
  return reads;
}

/** Why a relation holds tenant data, for messages. */
export interface TenantData {
  relation: Relation;
  /** e.g. `has the tenant column tenant_id`, `stores rows computed from public.notes`. */
  reason: string;
}

/**
 * Whether a relation holds tenant data: a tenant table (context.tenantTables), a materialized
 * view computed from tenant data or carrying a tenant column, or a foreign table that has a
 * tenant column, is a partition or child of a tenant table, or is mapped (`table_name`) onto
 * a table named like a local tenant table. Views hold no rows and are never tenant data.
 */
export function tenantDataOf(context: AuditContext, relation: Relation, seen: Set<number> = new Set()): TenantData | null {
  if (seen.has(relation.oid)) return null;
  seen.add(relation.oid);
  const column = relation.columns.find((c) => context.tenancy.tenantColumns.includes(c.name))?.name;
  if (relation.kind === 'table' || relation.kind === 'partitioned-table') {
    const entry = context.tenantTable(relation);
    if (!entry) return null;
    return { relation, reason: entry.tenantColumn ? `has the tenant column ${entry.tenantColumn}` : tenantDataText(context, relation) };
  }
  if (relation.kind === 'materialized-view') {
    const from = viewReads(context, relation).flatMap((read) => (tenantDataOf(context, read.relation, seen) ? [nameOf(read.relation)] : []));
    if (from.length > 0) return { relation, reason: `stores rows computed from ${from.join(', ')}` };
    return column ? { relation, reason: `has the tenant column ${column}` } : null;
  }
  if (relation.kind === 'foreign-table') {
    const parents = [...(relation.partitionOf ? [`${relation.partitionOf.schema}.${relation.partitionOf.name}`] : []), ...relation.inheritsFrom];
    const parent = parents.map((p) => context.relation(p)).find((p) => p && context.tenantTable(p));
    if (parent) return { relation, reason: `is a ${relation.partitionOf ? 'partition' : 'child'} of the tenant table ${nameOf(parent)}` };
    if (column) return { relation, reason: `has the tenant column ${column}` };
    const table = relation.foreign?.options['table_name'];
    const mapped = table ? context.relation(`${relation.foreign?.options['schema_name'] ?? relation.schema}.${table}`) : undefined;
    if (mapped && mapped.oid !== relation.oid && context.tenantTable(mapped)) {
      return { relation, reason: `is mapped onto a table named like the tenant table ${nameOf(mapped)} (server ${relation.foreign?.server})` };
    }
  }
  return null;
}

/**
 * The schemas of a function's pinned `search_path` (proconfig), in order, unquoted
 * (`"$user"` → `$user`); null when the function does not pin one and runs with its caller's.
 */
export function searchPathOf(fn: CatalogFunction): string[] | null {
  const value = fn.settings['search_path'];
  if (value === undefined) return null;
  const parts = value.match(/"(?:[^"]|"")*"|[^,]+/g) ?? [];
  return parts
    .map((part) => part.trim())
    .map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part.toLowerCase()))
    .filter((part) => part.length > 0);
}

/**
 * Relations a function body names, read textually (see body-scan.ts): `schema.name` pairs
 * anywhere in a dotted chain, and unqualified names resolved on the function's pinned
 * search_path (`$user` is its owner), or in any schema when it has none, since the caller's
 * path is unknown. A column or variable spelled like a table counts too: a textual scan errs
 * toward naming more. With `unqualifiedOnly`, only the names written without a schema.
 */
export function relationsNamedIn(context: AuditContext, fn: CatalogFunction, unqualifiedOnly = false): Relation[] {
  const path = searchPathOf(fn)?.map((s) => (s === '$user' ? fn.owner : s));
  const byName = new Map<string, Relation[]>();
  for (const relation of context.snapshot.relations) {
    if (path && !path.includes(relation.schema)) continue;
    byName.set(relation.name, [...(byName.get(relation.name) ?? []), relation]);
  }
  const found = new Map<number, Relation>();
  // A SQL-standard body is bound at creation: the catalog records exactly what it reads.
  if (!unqualifiedOnly) {
    for (const name of fn.dependsOn) {
      const relation = context.relation(name);
      if (relation) found.set(relation.oid, relation);
    }
  }
  for (const chain of identifierChains(fn.source)) {
    let qualified = false;
    for (let i = 0; i + 1 < chain.length; i++) {
      const relation = context.relation(`${chain[i]}.${chain[i + 1]}`);
      if (relation) {
        if (!unqualifiedOnly) found.set(relation.oid, relation);
        qualified = true;
      }
    }
    if (!qualified) for (const relation of byName.get(chain[0]!) ?? []) found.set(relation.oid, relation);
  }
  return [...found.values()];
}

/** `FUNCTION "public"."f"(p_id uuid)` (or PROCEDURE), for fix SQL. */
export function functionSql(fn: CatalogFunction): string {
  return `${fn.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION'} ${quoteQualified(fn)}(${fn.arguments})`;
}
