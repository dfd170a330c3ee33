import { defineRule } from '../rule.ts';
import { nameOf, reachText, relationSubject, sqlName, tenantDataText } from '../describe.ts';

export default defineRule({
  meta: {
    id: 'app-role-owns-tenant-table',
    title: 'The application role owns a tenant table with forced row-level security',
    description:
      'Row-level security is enabled and forced on a tenant table, but the application role owns it (itself, as a member of the owning role, or by SET ROLE to it). FORCE binds the owner only while the owner leaves it on: an owner can run ALTER TABLE ... NO FORCE / DISABLE ROW LEVEL SECURITY, or drop and rewrite the policies.',
    severity: 'critical',
    remediation: 'Give the table to a role the application cannot use and run migrations as that role; the application keeps only the privileges it needs.',
  },
  check(context) {
    return context.tenantTables
      .filter(({ relation }) => relation.rlsEnabled && relation.rlsForced)
      .flatMap(({ relation }) => {
        const reach = context.ownerReach(relation);
        if (!reach) return [];
        const how = reach.via === 'self' ? `the application role ${context.appRole} owns it` : `the application role reaches its owner (${reachText(context, reach.role)})`;
        return [
          {
            message: `table ${nameOf(relation)} ${tenantDataText(context, relation)} with row-level security forced, but ${how}: one \`ALTER TABLE ${nameOf(relation)} NO FORCE ROW LEVEL SECURITY\` (or DROP POLICY) from the application switches isolation off for every tenant. Give the table to a role the application cannot use.`,
            subject: relationSubject(relation),
            fix: `ALTER TABLE ${sqlName(relation)} OWNER TO <a role the application cannot use>;\n-- then grant the application only what it needs, e.g.\n-- GRANT SELECT, INSERT, UPDATE, DELETE ON ${sqlName(relation)} TO ${context.appRole};`,
            evidence: { owner: relation.owner, reach: reach.via, path: reach.path },
          },
        ];
      });
  },
});
