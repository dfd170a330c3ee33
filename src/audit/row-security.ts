import type { Relation } from '../catalog/snapshot.ts';
import type { AuditContext } from './context.ts';
import { commands, tableTruth } from './policies.ts';
import type { Situation } from './policy-eval.ts';
import { reachableRoles, relationPrivileges, type RoleReach } from '../catalog/privileges.ts';

/**
 * Whether row-level security holds a role (other than the application's) to the tenant when
 * it reads or writes a relation on the application's behalf: the owner of a view without
 * security_invoker, of a SECURITY DEFINER function. Postgres decides per relation
 * (check_enable_rls): no RLS on materialized views and foreign tables, none when disabled;
 * superusers and BYPASSRLS roles skip it always, even FORCE; the table's owner (or a member
 * who inherits the owner's rights) skips it unless FORCE ROW LEVEL SECURITY is set; everyone
 * else gets the policies that apply to them, evaluated with the session's tenant context
 * (views and definer functions do not change the settings the policies read).
 */
export type Exposure =
  | { exposed: false; why: 'no-privilege' | 'filtered' }
  | {
      exposed: true;
      why: 'no-row-security' | 'rls-disabled' | 'superuser' | 'bypass-rls' | 'owner' | 'policy-opens';
      /** Names what lets the rows through, for messages. */
      text: string;
      /** The policies that open, for `policy-opens`. */
      policies: string[];
    };

/** The roles whose rights `role` uses without SET ROLE: itself and what it inherits. */
export function inheritedRoles(context: AuditContext, role: string): Map<string, RoleReach> {
  return new Map([...reachableRoles(context.snapshot, role)].filter(([, reach]) => reach.via !== 'set-role'));
}

const situations: { situation: Situation; text: string }[] = [
  { situation: 'other-tenant', text: 'while another tenant is set' },
  { situation: 'unset', text: 'when no tenant is set' },
  { situation: 'empty', text: "when the setting reads ''" },
];

/**
 * Whether `role`, using any of `privileges` (upper case) on `relation`, reaches other tenants'
 * rows. Only a definite TRUE of the role's policies counts as opening (as everywhere in the
 * audit); a role without the privileges gets an error, not rows.
 */
export function exposureAs(context: AuditContext, role: string, relation: Relation, privileges: readonly string[] = ['SELECT']): Exposure {
  const info = context.snapshot.roles.find((r) => r.name === role);
  const roles = inheritedRoles(context, role);
  const held = info?.superuser ? [...privileges] : privileges.filter((p) => relationPrivileges(relation, roles).has(p));
  if (held.length === 0) return { exposed: false, why: 'no-privilege' };
  const open = (why: Exclude<Exposure, { exposed: false }>['why'], text: string, policies: string[] = []): Exposure => ({ exposed: true, why, text, policies });
  if (relation.kind === 'materialized-view') return open('no-row-security', 'materialized views have no row-level security');
  if (relation.kind === 'foreign-table') return open('no-row-security', 'foreign tables cannot have row-level security');
  if (!relation.rlsEnabled) return open('rls-disabled', 'row-level security is disabled on it');
  if (info?.superuser) return open('superuser', `${role} is a superuser, which bypasses row-level security`);
  if (info?.bypassRls) return open('bypass-rls', `${role} has BYPASSRLS`);
  if (roles.has(relation.owner) && !relation.rlsForced) {
    const whose = relation.owner === role ? 'owns it' : `inherits the rights of its owner ${relation.owner}`;
    return open('owner', `${role} ${whose} and row-level security is not forced on it`);
  }
  // RLS applies: the policies of `role`, not the application's, decide.
  const asRole: AuditContext = { ...context, roles };
  for (const privilege of held) {
    const command = commands.find((c) => c.privilege === privilege);
    if (!command) continue;
    for (const { situation, text } of situations) {
      const { truth, opening } = tableTruth(asRole, relation, command.command, command.command === 'insert' ? 'check' : 'using', situation);
      if (truth === 'true') {
        const names = opening.map((p) => p.name);
        return open('policy-opens', `policy ${names.join(', ')}, which applies to ${role}, lets ${privilege} reach other tenants' rows ${text}`, names);
      }
    }
  }
  return { exposed: false, why: 'filtered' };
}
