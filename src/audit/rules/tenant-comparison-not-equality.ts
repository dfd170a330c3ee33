import type { Policy, Relation } from '../../catalog/snapshot.ts';
import type { AuditContext } from '../context.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { appliesToApp, commands } from '../policies.ts';
import { collisions, identityComparisons, resolveColumn, type IdentityComparison } from '../policy-comparisons.ts';
import { alterPolicySql } from '../policy-fix.ts';
import { auditShapeEnvironment, isolatedTables } from '../policy-scope.ts';
import type { ShapeEnvironment } from '../policy-shape.ts';

const operatorNames: Record<string, string> = {
  '~~': 'LIKE',
  '~~*': 'ILIKE',
  '!~~': 'NOT LIKE',
  '!~~*': 'NOT ILIKE',
  '~': 'a regular expression (~, SIMILAR TO)',
  '~*': 'a case-insensitive regular expression (~*)',
  '^@': 'the starts-with operator ^@',
  starts_with: 'starts_with()',
  strpos: 'strpos()',
  position: 'position()',
};

function operatorText(c: IdentityComparison): string {
  if (c.kind === 'range') return `the range operator ${c.operator}`;
  if (c.kind === 'inequality') return c.operator === '=' ? 'IS DISTINCT FROM' : `the inequality ${c.operator}`;
  return operatorNames[c.operator] ?? c.operator;
}

/** What is wrong with each comparison of an identity column with the context, in both clauses. */
function problems(context: AuditContext, env: ShapeEnvironment, relation: Relation, policy: Policy): string[] {
  const found: string[] = [];
  for (const [clause, expression] of [['USING', policy.using], ['WITH CHECK', policy.withCheck]] as const) {
    if (!expression?.ast) continue;
    for (const comparison of identityComparisons(expression.ast, env)) {
      const column = comparison.column.name;
      if (comparison.kind !== 'equality') {
        found.push(`${clause} compares ${column} to the context with ${operatorText(comparison)}, which is TRUE for ids that merely resemble the current one`);
        continue;
      }
      for (const { why } of collisions(comparison, resolveColumn(context.snapshot, relation, expression.ast, comparison.column))) {
        found.push(`${clause} compares ${column} to the context for equality, but ${why}`);
      }
    }
  }
  return [...new Set(found)];
}

export default defineRule({
  meta: {
    id: 'tenant-comparison-not-equality',
    title: 'Tenant column compared to the context with something other than plain equality',
    description:
      'A policy compares the tenant column to the tenant context with a pattern (LIKE, ILIKE, regex), a prefix or substring test, a range, or through functions and casts that make distinct ids equal (case folding of a text id, truncation, short hashes, lossy casts): one tenant\'s context then matches another tenant\'s rows.',
    severity: 'high',
    remediation: "Compare the column itself to the context, cast to the column's own type, with `=`: tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid.",
  },
  check(context) {
    const env = auditShapeEnvironment(context);
    const findings: RuleFinding[] = [];
    for (const { relation } of isolatedTables(context, env)) {
      for (const policy of relation.policies) {
        const covers = commands.some((c) => (policy.command === 'all' || policy.command === c.command) && context.can(relation, c.privilege));
        if (!covers || !appliesToApp(context, policy)) continue;
        const found = problems(context, env, relation, policy);
        if (found.length === 0) continue;
        const clauses: ('USING' | 'WITH CHECK')[] = policy.command === 'insert' ? ['WITH CHECK'] : policy.withCheck ? ['USING', 'WITH CHECK'] : ['USING'];
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)}: ${found.join('; ')}. A tenant whose id resembles another's (a prefix, another case, the same hash) reaches that tenant's rows through the application role ${context.appRole}. Compare the tenant column to the context with plain equality, without functions around either side.`,
          subject: relationSubject(relation, policy.name),
          evidence: { problems: found, using: policy.using?.text ?? null, withCheck: policy.withCheck?.text ?? null },
          fix: alterPolicySql(context, relation, policy.name, clauses),
        });
      }
    }
    return findings;
  },
});
