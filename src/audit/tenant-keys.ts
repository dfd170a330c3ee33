import type { Relation } from '../catalog/snapshot.ts';
import type { AuditContext } from './context.ts';
import { grantedPrivileges } from '../catalog/privileges.ts';

/**
 * Helpers for the rules on keys and indexes of tenant tables: which tables carry a tenant
 * column, what the application can write into given columns, and which constraints or
 * indexes a partition merely inherits from its parent (reported once, on the parent).
 */

/** The tenant tables that carry a tenant column, with it. */
export function tablesWithTenantColumn(context: AuditContext): { relation: Relation; tenantColumn: string }[] {
  return context.tenantTables.flatMap(({ relation, tenantColumn }) => (tenantColumn ? [{ relation, tenantColumn }] : []));
}

/**
 * The commands (`INSERT`, `UPDATE`) by which the application role can put values of its
 * choosing into at least one of `columns`: a table-level grant, a column grant on one of
 * them, or ownership — with USAGE on the schema.
 */
export function writeCommands(context: AuditContext, relation: Relation, columns: readonly string[]): string[] {
  const tableLevel = grantedPrivileges(relation.grants, context.roles);
  return ['INSERT', 'UPDATE'].filter((privilege) => {
    if (!context.can(relation, privilege)) return false;
    if (context.ownerReach(relation) || tableLevel.has(privilege)) return true;
    return columns.some((column) => grantedPrivileges(relation.columnGrants[column] ?? [], context.roles).has(privilege));
  });
}

/** Column names an index key entry mentions: the column itself, or those named in an expression like `lower(email)`. */
export function keyColumns(relation: Relation, entries: readonly string[]): string[] {
  const names = relation.columns.map((c) => c.name);
  return entries.flatMap((entry) => (names.includes(entry) ? [entry] : names.filter((n) => new RegExp(`\\b${n.replace(/[$]/g, '\\$')}\\b`).test(entry))));
}

/** True when `relation` is a partition whose parent has the same object (`same` decides), so the parent's finding covers it. */
export function inheritedFromParent(context: AuditContext, relation: Relation, same: (parent: Relation) => boolean): boolean {
  if (!relation.partitionOf) return false;
  const parent = context.relation(`${relation.partitionOf.schema}.${relation.partitionOf.name}`);
  return parent !== undefined && same(parent);
}

/** True when two column lists hold the same names, in any order. */
export function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}
