import type { CatalogSnapshot, Function as CatalogFunction, Grant, Relation } from '../catalog/snapshot.ts';

/** How the application role gets the rights of a role. */
export interface RoleReach {
  role: string;
  /** `self`: the app role; `inherit`: privileges flow without asking; `set-role`: after `SET ROLE`. */
  via: 'self' | 'inherit' | 'set-role';
  /** Roles from the app role to this one, app role first. */
  path: string[];
}

/**
 * Every role whose rights the application role can exercise: itself, roles it inherits from
 * (each membership edge with INHERIT), and roles it can switch to with `SET ROLE` (edges with
 * SET) together with what those inherit. An attacker who runs SQL as the app role can do all
 * of it, so the audit judges by this set, not by the app role's own grants.
 */
export function reachableRoles(snapshot: CatalogSnapshot, appRole: string): Map<string, RoleReach> {
  const reached = new Map<string, RoleReach>([[appRole, { role: appRole, via: 'self', path: [appRole] }]]);
  const queue: RoleReach[] = [reached.get(appRole)!];
  const rank = { self: 0, inherit: 1, 'set-role': 2 } as const;
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of snapshot.memberships) {
      if (edge.member !== from.role) continue;
      // Through an edge with INHERIT the rights flow as they are; through SET only after SET ROLE.
      const via: RoleReach['via'] | null = edge.inherit ? (from.via === 'set-role' ? 'set-role' : 'inherit') : edge.set ? 'set-role' : null;
      if (via === null) continue;
      const known = reached.get(edge.role);
      if (known && rank[known.via] <= rank[via]) continue;
      const next = { role: edge.role, via, path: [...from.path, edge.role] };
      reached.set(edge.role, next);
      queue.push(next);
    }
  }
  return reached;
}

/** The privileges (upper case) that grants give to any of `roles` or to PUBLIC. */
export function grantedPrivileges(grants: readonly Grant[], roles: ReadonlyMap<string, RoleReach>): Set<string> {
  const privileges = new Set<string>();
  for (const grant of grants) {
    if (grant.grantee === 'public' || roles.has(grant.grantee)) privileges.add(grant.privilege);
  }
  return privileges;
}

/** Privileges on a relation, counting a column-level grant on any column as the privilege. */
export function relationPrivileges(relation: Relation, roles: ReadonlyMap<string, RoleReach>): Set<string> {
  const privileges = grantedPrivileges(relation.grants, roles);
  for (const grants of Object.values(relation.columnGrants)) {
    for (const privilege of grantedPrivileges(grants, roles)) privileges.add(privilege);
  }
  if (roles.has(relation.owner)) {
    // An owner can always grant itself back whatever it revoked.
    for (const p of ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) privileges.add(p);
  }
  return privileges;
}

/** True when the roles may call the function (EXECUTE, PUBLIC by default, or ownership). */
export function canExecute(fn: CatalogFunction, roles: ReadonlyMap<string, RoleReach>): boolean {
  return roles.has(fn.owner) || grantedPrivileges(fn.grants, roles).has('EXECUTE');
}
