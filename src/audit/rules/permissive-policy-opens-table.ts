import type { Policy } from '../../catalog/snapshot.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { clauseOf, commands, policiesFor } from '../policies.ts';
import { alterPolicySql } from '../policy-fix.ts';
import { judgeClause, restrictivePins } from '../policy-pin.ts';
import { auditShapeEnvironment, isolatedTables } from '../policy-scope.ts';

export default defineRule({
  meta: {
    id: 'permissive-policy-opens-table',
    title: 'A second permissive policy opens what the tenant policy restricts',
    description:
      'A table has several permissive policies for the same command; one pins the tenant and another does not. Postgres combines permissive policies with OR, so the open one decides: the tenant policy protects nothing.',
    severity: 'high',
    remediation:
      'Make the open policy pin the tenant as well, drop it, or make the tenant condition a RESTRICTIVE policy (ANDed with every permissive one) so that feature policies can only narrow it.',
  },
  check(context) {
    const env = auditShapeEnvironment(context);
    const findings: RuleFinding[] = [];
    for (const { relation, tenantColumn } of isolatedTables(context, env)) {
      // Per open policy: the commands it opens and the tenant policies it defeats.
      const opened = new Map<string, { policy: Policy; detail: string; commands: string[]; defeats: Set<string> }>();
      for (const { command, privilege } of commands) {
        const clause = command === 'insert' ? 'check' : 'using';
        if (!context.can(relation, privilege) || restrictivePins(context, relation, command, clause, env)) continue;
        const judged = policiesFor(context, relation, command).permissive.map((policy) => ({ policy, judgement: judgeClause(clauseOf(policy, clause), relation, tenantColumn, env) }));
        const pinning = judged.filter((j) => j.judgement.verdict === 'pins').map((j) => j.policy.name);
        if (pinning.length === 0) continue;
        for (const { policy, judgement } of judged) {
          if (judgement.verdict !== 'open') continue;
          const entry = opened.get(policy.name) ?? { policy, detail: judgement.detail, commands: [], defeats: new Set<string>() };
          entry.commands.push(privilege);
          for (const name of pinning) entry.defeats.add(name);
          opened.set(policy.name, entry);
        }
      }
      for (const { policy, detail, commands: verbs, defeats } of opened.values()) {
        const tenantPolicies = [...defeats];
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)} does not pin the tenant (${detail}), and permissive policies are ORed: for ${verbs.join(', ')} it opens the rows that ${tenantPolicies.join(', ')} restrict${tenantPolicies.length === 1 ? 's' : ''} to the current tenant, so the application role ${context.appRole} reaches other tenants' rows. Make ${policy.name} pin the tenant too, drop it, or turn the tenant condition into a RESTRICTIVE policy.`,
          subject: relationSubject(relation, policy.name),
          evidence: { commands: verbs, openPolicy: policy.name, tenantPolicies, open: (policy.command === 'insert' ? policy.withCheck : policy.using)?.text ?? null },
          fix: `${alterPolicySql(context, relation, policy.name, policy.command === 'insert' ? ['WITH CHECK'] : policy.command === 'select' || policy.command === 'delete' ? ['USING'] : ['USING', 'WITH CHECK'])}\n-- or: DROP POLICY ${policy.name} ON ${nameOf(relation)}; and keep ${tenantPolicies.join(', ')}`,
        });
      }
    }
    return findings;
  },
});
