import type { Policy, Relation } from '../../catalog/snapshot.ts';
import type { AuditContext } from '../context.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject } from '../describe.ts';
import { clauseOf, policiesFor, type Command } from '../policies.ts';
import { alterPolicySql } from '../policy-fix.ts';
import { judgeClause, restrictivePins } from '../policy-pin.ts';
import { auditShapeEnvironment, isolatedTables } from '../policy-scope.ts';
import { grantedPrivileges } from '../../catalog/privileges.ts';

/**
 * True when an UPDATE by the app role can change which tenant a row belongs to: it holds
 * UPDATE on the whole table, or on the tenant column (on the foreign-key columns, for a
 * table without one). Column-limited UPDATE (`UPDATE (name)`) cannot move a row.
 */
function canRetarget(context: AuditContext, relation: Relation, tenantColumn: string | null): boolean {
  if (context.ownerReach(relation) || grantedPrivileges(relation.grants, context.roles).has('UPDATE')) return true;
  const keys = tenantColumn ? [tenantColumn] : relation.constraints.filter((c) => c.kind === 'foreign-key').flatMap((c) => c.columns);
  return keys.some((column) => grantedPrivileges(relation.columnGrants[column] ?? [], context.roles).has('UPDATE'));
}

const effects: Record<'insert' | 'update', string> = {
  insert: 'INSERT rows into any tenant',
  update: 'UPDATE a row so that it moves to another tenant',
};

export default defineRule({
  meta: {
    id: 'write-without-tenant-check',
    title: 'INSERT or UPDATE is not checked against the current tenant',
    description:
      "A permissive policy's WITH CHECK (or, without one, the USING clause that stands in for it) does not pin new rows to the current tenant: the application role can write rows into another tenant or move a row there. Also flags a WITH CHECK weaker than its USING clause.",
    severity: 'high',
    remediation:
      "Give every INSERT and UPDATE policy a WITH CHECK that pins the tenant, the same condition as USING: WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid).",
  },
  check(context) {
    const env = auditShapeEnvironment(context);
    const findings: RuleFinding[] = [];
    for (const { relation, tenantColumn } of isolatedTables(context, env)) {
      const open = new Map<string, { policy: Policy; detail: string; commands: ('insert' | 'update')[] }>();
      for (const command of ['insert', 'update'] as const satisfies Command[]) {
        if (!context.can(relation, command.toUpperCase())) continue;
        if (command === 'update' && !canRetarget(context, relation, tenantColumn)) continue;
        if (restrictivePins(context, relation, command, 'check', env)) continue;
        for (const policy of policiesFor(context, relation, command).permissive) {
          const judgement = judgeClause(clauseOf(policy, 'check'), relation, tenantColumn, env);
          if (judgement.verdict !== 'open') continue;
          const entry = open.get(policy.name) ?? { policy, detail: judgement.detail, commands: [] };
          entry.commands.push(command);
          open.set(policy.name, entry);
        }
      }
      for (const { policy, detail, commands: written } of open.values()) {
        // The sharpest form: USING pins the tenant, the explicit WITH CHECK does not.
        const weaker = policy.withCheck !== null && policy.command !== 'insert' && judgeClause(policy.using, relation, tenantColumn, env).verdict === 'pins';
        const clause = policy.withCheck ? 'its WITH CHECK' : 'it has no WITH CHECK and its USING clause, which stands in for it,';
        findings.push({
          message: `policy ${policy.name} on ${nameOf(relation)} lets the application role ${context.appRole} ${written.map((c) => effects[c]).join(' and ')}: ${clause} does not pin the tenant (${detail})${weaker ? ', although its USING clause does — the WITH CHECK is weaker than the USING' : ''}. Add a WITH CHECK that compares the row's tenant to the current tenant context.`,
          subject: relationSubject(relation, policy.name),
          evidence: { commands: written.map((c) => c.toUpperCase()), weakerThanUsing: weaker, using: policy.using?.text ?? null, withCheck: policy.withCheck?.text ?? null },
          fix: alterPolicySql(context, relation, policy.name, ['WITH CHECK']),
        });
      }
    }
    return findings;
  },
});
