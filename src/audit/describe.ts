import type { Relation } from '../catalog/snapshot.ts';
import type { FindingSubject } from '../core/check.ts';
import { quoteQualified } from '../db/quote.ts';
import type { AuditContext } from './context.ts';
import { commands } from './policies.ts';

/** `public.invoices` for messages. */
export function nameOf(relation: { schema: string; name: string }): string {
  return `${relation.schema}.${relation.name}`;
}

/** `"public"."invoices"` for fix SQL. */
export function sqlName(relation: { schema: string; name: string }): string {
  return quoteQualified(relation);
}

/** The subject of a finding about a relation (and a policy on it). */
export function relationSubject(relation: Relation, policy?: string): FindingSubject {
  return { schema: relation.schema, table: relation.name, ...(policy ? { policy } : {}) };
}

/** The commands (upper case) the app role can run on a relation, e.g. `SELECT, INSERT`. */
export function appCommands(context: AuditContext, relation: Relation): string[] {
  return commands.filter((c) => context.can(relation, c.privilege)).map((c) => c.privilege);
}

/** How the app role holds a role, for messages: `tg_app → admins (inherited)`. */
export function reachText(context: AuditContext, role: string): string {
  const reach = context.roles.get(role);
  if (!reach || reach.via === 'self') return role;
  return `${reach.path.join(' → ')} (${reach.via === 'inherit' ? 'inherited' : 'by SET ROLE'})`;
}

/** Why a relation holds tenant data, for messages. */
export function tenantDataText(context: AuditContext, relation: Relation): string {
  const entry = context.tenantTable(relation);
  if (!entry) return 'holds no tenant data';
  switch (entry.reason) {
    case 'tenant-column':
      return `holds tenant data (tenant column ${entry.tenantColumn})`;
    case 'registry':
      return 'is the tenant registry';
    case 'foreign-key':
      return 'holds tenant data (its rows belong to tenant rows through foreign keys)';
    case 'row-security':
      return 'is protected by row-level security';
  }
}
