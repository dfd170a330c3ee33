import type { Relation } from '../../catalog/snapshot.ts';
import { quoteIdent, quoteLiteral } from '../../db/quote.ts';
import type { AuditContext } from '../context.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { nameOf, relationSubject, sqlName } from '../describe.ts';
import { commands, policiesFor } from '../policies.ts';

const effect: Record<string, string> = {
  SELECT: 'every SELECT returns no rows',
  INSERT: 'every INSERT fails with a row-level security error',
  UPDATE: 'every UPDATE silently changes no rows',
  DELETE: 'every DELETE silently removes no rows',
};

export default defineRule({
  meta: {
    id: 'missing-policy-for-command',
    title: 'Granted command without a policy (deny-all)',
    description:
      'Row-level security is on and the application role holds a command on the table, but no permissive policy for that command applies to it: Postgres denies every row, so the application silently gets nothing or an error. Not a leak; a sign the policies and the grants disagree.',
    severity: 'info',
    remediation:
      'Add a policy for the command that pins the tenant (USING for SELECT/UPDATE/DELETE, WITH CHECK for INSERT/UPDATE), or revoke the privilege if the application must not run the command.',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    const selfBypasses = context.snapshot.roles.some((r) => r.name === context.appRole && (r.superuser || r.bypassRls));
    for (const { relation, tenantColumn } of context.tenantTables) {
      if (!relation.rlsEnabled || selfBypasses) continue;
      // An owner (itself or inherited) that is not forced skips RLS: nothing is denied to it
      // (rls-not-forced reports that). A role reached only by SET ROLE does not change the
      // application's own sessions.
      const owner = context.ownerReach(relation);
      if (owner && owner.via !== 'set-role' && !relation.rlsForced) continue;
      for (const { command, privilege } of commands) {
        if (!context.can(relation, privilege)) continue;
        const { permissive, restrictive } = policiesFor(context, relation, command);
        if (permissive.length > 0) continue;
        const only = restrictive.length > 0 ? ` (only the restrictive ${restrictive.map((p) => p.name).join(', ')}, which can narrow but never admit rows)` : '';
        findings.push({
          message: `table ${nameOf(relation)} has row-level security on and the application role ${context.appRole} can ${privilege} it, but no permissive ${privilege} policy applies to the application${only}: ${effect[privilege]}. Add ${privilege === 'INSERT' || privilege === 'UPDATE' ? 'an' : 'a'} ${privilege} policy that pins the tenant, or revoke ${privilege} if the application must not do it.`,
          subject: relationSubject(relation),
          key: command,
          fix: `${policyFor(context, relation, tenantColumn, command)}\n-- or: REVOKE ${privilege} ON ${sqlName(relation)} FROM ${quoteIdent(context.appRole)};`,
          evidence: { command: privilege, restrictive: restrictive.map((p) => p.name), policies: relation.policies.map((p) => `${p.name} (${p.command})`) },
        });
      }
    }
    return findings;
  },
});

/** A policy pinning the tenant for one command, spelled with the scenario's column and setting. */
function policyFor(context: AuditContext, relation: Relation, tenantColumn: string | null, command: string): string {
  const column = tenantColumn ?? context.tenancy.tenantColumns[0] ?? 'tenant_id';
  const setting = context.tenancy.context.kind === 'setting' ? context.tenancy.context.setting : 'app.tenant_id';
  const type = relation.columns.find((c) => c.name === column)?.type ?? 'uuid';
  const tenant = `${quoteIdent(column)} = nullif(current_setting(${quoteLiteral(setting)}, true), '')::${type}`;
  const clauses = command === 'insert' ? `WITH CHECK (${tenant})` : command === 'update' ? `USING (${tenant}) WITH CHECK (${tenant})` : `USING (${tenant})`;
  const policy = `CREATE POLICY ${quoteIdent(`${relation.name}_${command}`)} ON ${sqlName(relation)} FOR ${command.toUpperCase()} TO ${quoteIdent(context.appRole)} ${clauses};`;
  // A child without a tenant column reaches its tenant through its parent: a template only.
  return relation.columns.some((c) => c.name === column) ? policy : `-- no ${column} column here: test the tenant through the parent row (EXISTS ...), e.g.\n-- ${policy}`;
}
