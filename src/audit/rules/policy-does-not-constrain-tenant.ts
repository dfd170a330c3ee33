import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject, tenantDataText } from '../describe.ts';
import { appliesToApp, commands } from '../policies.ts';
import { alterPolicySql } from '../policy-fix.ts';
import { judgeClause, restrictivePins } from '../policy-pin.ts';
import { auditShapeEnvironment, isolatedTables } from '../policy-scope.ts';

export default defineRule({
  meta: {
    id: 'policy-does-not-constrain-tenant',
    title: 'Permissive policy does not constrain the tenant',
    description:
      "A permissive policy for the application role on a tenant table whose USING clause does not tie the row to the current tenant: it is TRUE for another tenant's row (e.g. `true`), never reads the tenant context, or compares the tenant column to a constant or another column instead of the context.",
    severity: 'critical',
    remediation:
      "Compare the tenant column to the tenant context with plain equality — tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid — or, on a table without a tenant column, constrain through the parent in a sub-select that reads the context.",
  },
  check(context) {
    const env = auditShapeEnvironment(context);
    const findings: RuleFinding[] = [];
    for (const { relation, tenantColumn } of isolatedTables(context, env)) {
      // INSERT policies have no USING clause: write-without-tenant-check judges what they let in.
      for (const policy of relation.policies.filter((p) => p.permissive && p.command !== 'insert' && appliesToApp(context, p))) {
        const exposed = commands.filter(
          (c) =>
            c.command !== 'insert' &&
            (policy.command === 'all' || policy.command === c.command) &&
            context.can(relation, c.privilege) &&
            // A restrictive policy that pins the tenant is ANDed with this one: it cannot open the table.
            !restrictivePins(context, relation, c.command, 'using', env),
        );
        if (exposed.length === 0) continue;
        const judgement = judgeClause(policy.using, relation, tenantColumn, env);
        if (judgement.verdict !== 'open') continue;
        const verbs = exposed.map((c) => c.privilege);
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)} (permissive, FOR ${policy.command.toUpperCase()}) does not constrain the tenant: ${judgement.detail}. The table ${tenantDataText(context, relation)}, and through this policy the application role ${context.appRole} can ${verbs.join(', ')} every tenant's rows. Rewrite its USING clause to compare the row's tenant to the current tenant context.`,
          subject: relationSubject(relation, policy.name),
          evidence: { reason: judgement.reason, commands: verbs, using: policy.using?.text ?? null },
          fix: alterPolicySql(context, relation, policy.name, policy.command === 'all' || policy.command === 'update' ? ['USING', 'WITH CHECK'] : ['USING']),
        });
      }
    }
    return findings;
  },
});
