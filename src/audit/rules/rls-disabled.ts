import { defineRule } from '../rule.ts';
import { appCommands, nameOf, relationSubject, sqlName, tenantDataText } from '../describe.ts';

export default defineRule({
  meta: {
    id: 'rls-disabled',
    title: 'Row-level security disabled on a tenant table',
    description: 'A table holding tenant data that the application role can use has row-level security disabled, so every tenant sees and changes every row.',
    severity: 'critical',
    remediation: 'Enable and force row-level security on the table and add per-command policies that pin the tenant.',
  },
  check(context) {
    return context.tenantTables
      .filter(({ relation }) => !relation.rlsEnabled && relation.partitionOf === null && relation.inheritsFrom.length === 0)
      .flatMap(({ relation }) => {
        const used = appCommands(context, relation);
        if (used.length === 0) return [];
        return [
          {
            message: `table ${nameOf(relation)} ${tenantDataText(context, relation)} and the application role ${context.appRole} can ${used.join(', ')} it, but row-level security is disabled: every tenant sees and changes every row. Enable and force row-level security and add policies that pin the tenant.`,
            subject: relationSubject(relation),
            fix: `ALTER TABLE ${sqlName(relation)} ENABLE ROW LEVEL SECURITY;\nALTER TABLE ${sqlName(relation)} FORCE ROW LEVEL SECURITY;\n-- then one policy per command, e.g.:\n-- CREATE POLICY tenant_select ON ${sqlName(relation)} FOR SELECT TO ${context.appRole} USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`,
            evidence: { commands: used },
          },
        ];
      });
  },
});
