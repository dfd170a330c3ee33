import type { CatalogSnapshot, Function as CatalogFunction, Grant, Relation } from './snapshot.ts';

/** How the application role gets the rights of a role. */
export interface RoleReach {
  role: string;
  /** `self`: the app role; `inherit`: privileges flow without asking; `set-role`: after `SET ROLE`. */
  via: 'self' | 'inherit' | 'set-role';
  /** Roles from the app role to this one, app role first. */
  path: string[];
}

/**
 * Every role whose rights the application role can exercise: itself and what it inherits
 * (chains of memberships with INHERIT), plus every role `SET ROLE` accepts — reached from the
 * app role through memberships that each carry SET (PG 16 `set_option`; before 16 every
 * membership does) — together with what those inherit. An edge without SET ends a SET chain
 * even where privileges flow through it: `SET ROLE` asks about the session user's own chain.
 * An attacker running SQL as the app role can use all of it, so the audit judges by this set.
 */
export function reachableRoles(snapshot: CatalogSnapshot, appRole: string): Map<string, RoleReach> {
  const rank = { self: 0, inherit: 1, 'set-role': 2 } as const;
  const reached = new Map<string, RoleReach>();
  const offer = (reach: RoleReach, queue: RoleReach[]) => {
    const known = reached.get(reach.role);
    if (known && rank[known.via] <= rank[reach.via]) return;
    reached.set(reach.role, reach);
    queue.push(reach);
  };
  // 1. Roles the app can become: chains of SET edges from the app role.
  const become: RoleReach[] = [{ role: appRole, via: 'self', path: [appRole] }];
  for (let i = 0; i < become.length; i++) {
    const from = become[i]!;
    for (const edge of snapshot.memberships) {
      if (edge.member === from.role && edge.set && !become.some((b) => b.role === edge.role)) {
        become.push({ role: edge.role, via: 'set-role', path: [...from.path, edge.role] });
      }
    }
  }
  // 2. From each of those, privileges flow along INHERIT edges.
  const queue: RoleReach[] = [];
  for (const start of become) offer(start, queue);
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of snapshot.memberships) {
      if (edge.member !== from.role || !edge.inherit) continue;
      offer({ role: edge.role, via: from.via === 'set-role' ? 'set-role' : 'inherit', path: [...from.path, edge.role] }, queue);
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
