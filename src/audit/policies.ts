import type { Policy, Relation } from '../catalog/snapshot.ts';
import type { AuditContext } from './context.ts';
import { evaluate, type Situation, type Truth } from './policy-eval.ts';

/** The four commands policies distinguish. */
export type Command = 'select' | 'insert' | 'update' | 'delete';

/** Commands and the table privilege each needs. */
export const commands: readonly { command: Command; privilege: string }[] = [
  { command: 'select', privilege: 'SELECT' },
  { command: 'insert', privilege: 'INSERT' },
  { command: 'update', privilege: 'UPDATE' },
  { command: 'delete', privilege: 'DELETE' },
];

/** True when the policy applies to the application role (PUBLIC, or a role it can act as). */
export function appliesToApp(context: AuditContext, policy: Policy): boolean {
  return policy.roles.some((role) => role === 'public' || context.roles.has(role));
}

/** The policies that govern `command` for the app role on a relation, split by kind. */
export function policiesFor(context: AuditContext, relation: Relation, command: Command): { permissive: Policy[]; restrictive: Policy[] } {
  const relevant = relation.policies.filter((p) => (p.command === 'all' || p.command === command) && appliesToApp(context, p));
  return { permissive: relevant.filter((p) => p.permissive), restrictive: relevant.filter((p) => !p.permissive) };
}

/**
 * The expression Postgres checks for a clause: USING filters rows (SELECT, UPDATE, DELETE);
 * WITH CHECK gates new rows (INSERT, UPDATE), falling back to USING when absent.
 */
export function clauseOf(policy: Policy, clause: 'using' | 'check'): Policy['using'] {
  return clause === 'using' ? policy.using : (policy.withCheck ?? policy.using);
}

/** The truth of one policy's clause in a situation. */
export function policyTruth(context: AuditContext, policy: Policy, clause: 'using' | 'check', situation: Situation): Truth {
  const expression = clauseOf(policy, clause);
  if (!expression?.ast) return 'unknown';
  return evaluate(expression.ast, { tenantColumns: context.tenancy.tenantColumns, context: context.context, situation });
}

/**
 * Whether the table admits a row for `command` in a situation, combining policies as Postgres
 * does: any permissive policy (OR) and every restrictive one (AND); no permissive policy
 * denies everything. Returns the permissive policies that are TRUE, to name them.
 */
export function tableTruth(
  context: AuditContext,
  relation: Relation,
  command: Command,
  clause: 'using' | 'check',
  situation: Situation,
): { truth: Truth; opening: Policy[] } {
  const { permissive, restrictive } = policiesFor(context, relation, command);
  if (permissive.length === 0) return { truth: 'false', opening: [] };
  const p = permissive.map((policy) => ({ policy, truth: policyTruth(context, policy, clause, situation) }));
  const r = restrictive.map((policy) => policyTruth(context, policy, clause, situation));
  const opening = p.filter((x) => x.truth === 'true').map((x) => x.policy);
  if (opening.length === 0) return { truth: p.some((x) => x.truth === 'unknown') ? 'unknown' : 'false', opening };
  if (r.every((t) => t === 'true')) return { truth: 'true', opening };
  return { truth: r.includes('false') || r.includes('null') || r.includes('error') ? 'false' : 'unknown', opening };
}
