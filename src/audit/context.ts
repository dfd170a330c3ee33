import type { CatalogSnapshot, Function as CatalogFunction, Relation } from '../catalog/snapshot.ts';
import type { LocateObject } from '../catalog/source-locations.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { contextSettings, type ContextInfo } from './policy-context.ts';
import { assumableRoles } from './privilege-paths.ts';
import { canExecute, reachableRoles, relationPrivileges, type RoleReach } from '../catalog/privileges.ts';

/** Why a relation holds tenant data. */
export type TenantDataReason = 'tenant-column' | 'registry' | 'foreign-key' | 'row-security';

/** A table (or partition) holding tenant data. */
export interface TenantTable {
  relation: Relation;
  /** The tenant column on it, when it has one. */
  tenantColumn: string | null;
  reason: TenantDataReason;
}


/**
 * What every rule needs, computed once from the snapshot: the tenant data, what the
 * application role can reach (through PUBLIC, grants and every role it can assume), and how
 * the policies read the tenant context. Rules are pure functions of it.
 */
export interface AuditContext {
  snapshot: CatalogSnapshot;
  tenancy: Tenancy;
  appRole: string;
  /** Roles whose rights the app role can exercise (itself included). */
  roles: Map<string, RoleReach>;
  /** A superuser role the app role can become (itself, or by SET ROLE), if any. */
  superuser: RoleReach | undefined;
  /** A BYPASSRLS role the app role can become (itself, or by SET ROLE), if any. */
  bypassRls: RoleReach | undefined;
  tenantTables: TenantTable[];
  context: ContextInfo;
  /** The tenant-data entry of a relation, if it holds tenant data. */
  tenantTable(relation: Relation): TenantTable | undefined;
  /** True when the app role can use the privilege on the relation (schema USAGE included). */
  can(relation: Relation, privilege: string): boolean;
  /** Effective privileges of the app role on the relation (without the schema check). */
  privileges(relation: Relation): Set<string>;
  /** The reach through which the app role owns the relation (owner or member of the owner), if it does. */
  ownerReach(relation: Relation): RoleReach | undefined;
  canExecute(fn: CatalogFunction): boolean;
  relation(qualified: string): Relation | undefined;
  locate: LocateObject;
}

const tableKinds = new Set(['table', 'partitioned-table']);

function findTenantTables(snapshot: CatalogSnapshot, tenancy: Tenancy): TenantTable[] {
  const key = (r: { schema: string; name: string }) => `${r.schema}.${r.name}`;
  const registry = tenancy.tenantTable ? key(tenancy.tenantTable) : null;
  const found = new Map<string, TenantTable>();
  const candidates = snapshot.relations.filter((r) => tableKinds.has(r.kind) && r.extension === null);
  for (const relation of candidates) {
    const column = relation.columns.find((c) => tenancy.tenantColumns.includes(c.name))?.name ?? null;
    if (key(relation) === registry) found.set(key(relation), { relation, tenantColumn: null, reason: 'registry' });
    else if (column) found.set(key(relation), { relation, tenantColumn: column, reason: 'tenant-column' });
  }
  // Children that reach tenant data only through foreign keys (line items of an invoice).
  for (let changed = true; changed; ) {
    changed = false;
    for (const relation of candidates) {
      if (found.has(key(relation))) continue;
      const parent = relation.constraints.find((c) => c.kind === 'foreign-key' && c.references && found.has(`${c.references.schema}.${c.references.table}`));
      if (parent) {
        found.set(key(relation), { relation, tenantColumn: null, reason: 'foreign-key' });
        changed = true;
      }
    }
  }
  // Tables the schema protects with row-level security hold data someone meant to isolate.
  for (const relation of candidates) {
    if (!found.has(key(relation)) && relation.rlsEnabled) found.set(key(relation), { relation, tenantColumn: null, reason: 'row-security' });
  }
  return [...found.values()];
}

/** Builds the audit context once per snapshot. */
export function buildAuditContext(snapshot: CatalogSnapshot, tenancy: Tenancy, locate: LocateObject = () => undefined): AuditContext {
  const appRole = tenancy.appRole.name;
  const roles = reachableRoles(snapshot, appRole);
  const roleInfo = new Map(snapshot.roles.map((r) => [r.name, r]));
  const assumable = [...assumableRoles(snapshot, appRole).values()];
  const tenantTables = findTenantTables(snapshot, tenancy);
  const byKey = new Map(snapshot.relations.map((r) => [`${r.schema}.${r.name}`, r]));
  const tenantByKey = new Map(tenantTables.map((t) => [`${t.relation.schema}.${t.relation.name}`, t]));
  const schemaUsage = new Map(
    snapshot.schemas.map((s) => [s.name, roles.has(s.owner) || s.grants.some((g) => g.privilege === 'USAGE' && (g.grantee === 'public' || roles.has(g.grantee)))]),
  );
  const privilegeCache = new Map<number, Set<string>>();
  const privileges = (relation: Relation) => {
    let set = privilegeCache.get(relation.oid);
    if (!set) privilegeCache.set(relation.oid, (set = relationPrivileges(relation, roles)));
    return set;
  };
  return {
    snapshot,
    tenancy,
    appRole,
    roles,
    // Role attributes act only while one *is* the role, so only roles SET ROLE reaches count.
    superuser: assumable.find((r) => roleInfo.get(r.role)?.superuser),
    bypassRls: assumable.find((r) => roleInfo.get(r.role)?.bypassRls),
    tenantTables,
    context: contextSettings(snapshot, tenancy),
    tenantTable: (relation) => tenantByKey.get(`${relation.schema}.${relation.name}`),
    can: (relation, privilege) => (schemaUsage.get(relation.schema) ?? false) && privileges(relation).has(privilege),
    privileges,
    ownerReach: (relation) => roles.get(relation.owner),
    canExecute: (fn) => (schemaUsage.get(fn.schema) ?? false) && canExecute(fn, roles),
    relation: (qualified) => byKey.get(qualified),
    locate,
  };
}
