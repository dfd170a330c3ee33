import type { CatalogSnapshot, Relation } from '../catalog/snapshot.ts';
import { quoteIdent } from '../db/quote.ts';
import type { AuditContext } from './context.ts';
import { reachText } from './describe.ts';
import type { RoleReach } from '../catalog/privileges.ts';

/**
 * Every role the application role can *become*: itself, and each role `SET ROLE` accepts.
 * Role attributes (SUPERUSER, BYPASSRLS) are never inherited; they act only while the role
 * is the current user, so this set, not the set of roles whose privileges flow, decides who
 * can switch row-level security off. `SET ROLE` asks whether the session user reaches the
 * target through memberships that each carry SET (PG 16 `set_option`; before 16 every
 * membership does, whatever its INHERIT), so an edge without SET ends the chain even when
 * privileges flow through it.
 */
export function assumableRoles(snapshot: CatalogSnapshot, appRole: string): Map<string, RoleReach> {
  const reached = new Map<string, RoleReach>([[appRole, { role: appRole, via: 'self', path: [appRole] }]]);
  const queue: RoleReach[] = [reached.get(appRole)!];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of snapshot.memberships) {
      if (edge.member !== from.role || !edge.set || reached.has(edge.role)) continue;
      const next: RoleReach = { role: edge.role, via: 'set-role', path: [...from.path, edge.role] };
      reached.set(edge.role, next);
      queue.push(next);
    }
  }
  return reached;
}

/** How the app role comes to hold a privilege: the grantee that carries it, and how the app reaches that grantee. */
export interface PrivilegeHolder {
  /** `public`, a role name, or the owner. */
  grantee: string;
  /** `PUBLIC`, `tg_app`, `tg_app → writers (inherited)`, `owner tg_app`. */
  text: string;
  owner: boolean;
}

/**
 * The grants (table- or column-level) and the ownership through which the application role
 * holds `privilege` on a relation, each named for messages and REVOKE statements.
 */
export function privilegeHolders(context: AuditContext, relation: Relation, privilege: string): PrivilegeHolder[] {
  const grants = [relation.grants, ...Object.values(relation.columnGrants)].flat();
  const owned = context.ownerReach(relation) !== undefined;
  // The owner's own ACL entry is its ownership spelled out: reported once, as ownership.
  const grantees = new Set(
    grants
      .filter((g) => g.privilege === privilege && (g.grantee === 'public' || context.roles.has(g.grantee)) && !(owned && g.grantee === relation.owner))
      .map((g) => g.grantee),
  );
  const holders: PrivilegeHolder[] = [...grantees].sort().map((grantee) => ({
    grantee,
    text: grantee === 'public' ? 'PUBLIC' : reachText(context, grantee),
    owner: false,
  }));
  // relationPrivileges grants an owner the classic seven; MAINTAIN (PG 17) only when its ACL says so.
  const ownerHolds = owned && (privilege !== 'MAINTAIN' || grants.some((g) => g.grantee === relation.owner && g.privilege === privilege));
  if (ownerHolds) {
    holders.push({ grantee: relation.owner, text: `owner ${reachText(context, relation.owner)}`, owner: true });
  }
  return holders;
}

/** The REVOKE statements that take `privileges` on a relation away from the grantees that give them to the app role. */
export function revokeStatements(holders: readonly PrivilegeHolder[], privileges: string, table: string): string[] {
  return holders
    .filter((h) => !h.owner)
    .map((h) => `REVOKE ${privileges} ON TABLE ${table} FROM ${h.grantee === 'public' ? 'PUBLIC' : quoteIdent(h.grantee)};`);
}

/** Schemas where the application role can create objects (CREATE through any reachable role or PUBLIC, or ownership). */
export function creatableSchemas(context: AuditContext): string[] {
  return context.snapshot.schemas
    .filter((s) => context.roles.has(s.owner) || s.grants.some((g) => g.privilege === 'CREATE' && (g.grantee === 'public' || context.roles.has(g.grantee))))
    .map((s) => s.name);
}
