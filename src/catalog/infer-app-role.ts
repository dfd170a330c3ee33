import type { CatalogSnapshot, Relation } from './snapshot.ts';

/**
 * Which role the application runs as, judged from grants: the application needs privileges
 * on the tenant tables it does not own (owners bypass RLS unless it is forced, so a sane
 * application never runs as one). Superusers and predefined `pg_*` roles are never the answer.
 */

/** A role that could be the application's, and on how many tenant tables it holds grants. */
export interface AppRoleCandidate {
  name: string;
  tables: number;
  login: boolean;
}

/**
 * Roles holding table or column grants on `tenantTables`, excluding PUBLIC, the tables'
 * owners, superusers and predefined roles; most tables first, then by name.
 */
export function appRoleCandidates(snapshot: CatalogSnapshot, tenantTables: readonly Relation[]): AppRoleCandidate[] {
  const roles = new Map(snapshot.roles.map((role) => [role.name, role]));
  const owners = new Set(tenantTables.map((relation) => relation.owner));
  const tablesByRole = new Map<string, Set<string>>();
  for (const relation of tenantTables) {
    const key = `${relation.schema}.${relation.name}`;
    const grantees = [
      ...relation.grants.map((grant) => grant.grantee),
      ...Object.values(relation.columnGrants).flatMap((grants) => grants.map((grant) => grant.grantee)),
    ];
    for (const grantee of grantees) {
      const role = roles.get(grantee);
      if (!role || role.superuser || owners.has(grantee) || grantee.startsWith('pg_')) continue;
      const tables = tablesByRole.get(grantee) ?? new Set<string>();
      tables.add(key);
      tablesByRole.set(grantee, tables);
    }
  }
  return [...tablesByRole.entries()]
    .map(([name, tables]) => ({ name, tables: tables.size, login: roles.get(name)?.login ?? false }))
    .sort((a, b) => b.tables - a.tables || a.name.localeCompare(b.name));
}
