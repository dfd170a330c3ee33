import { quoteIdent } from '../../db/quote.ts';
import { defineRule } from '../rule.ts';
import { nameOf, reachText, relationSubject, sqlName, tenantDataText } from '../describe.ts';

export default defineRule({
  meta: {
    id: 'rls-not-forced',
    title: 'Row-level security not forced on a tenant table the application role owns',
    description:
      'Row-level security is enabled but not forced on a table holding tenant data, and the application role owns it (itself, as a member of the owning role, or by SET ROLE to it). Owners bypass row-level security that is not forced, so every policy on the table is ignored for the application.',
    severity: 'critical',
    remediation:
      'FORCE ROW LEVEL SECURITY on the table, and hand its ownership to a role the application cannot use (run migrations as that role), so the application can neither bypass nor rewrite its policies.',
  },
  check(context) {
    return context.tenantTables
      .filter(({ relation }) => relation.rlsEnabled && !relation.rlsForced)
      .flatMap(({ relation }) => {
        const reach = context.ownerReach(relation);
        if (!reach) return [];
        // Ownership is checked with inherited privileges, so self and inherit bypass on every
        // query; a role the app can only SET ROLE to bypasses once the attacker switches.
        const how =
          reach.via === 'set-role'
            ? `the application role can SET ROLE to its owner (${reachText(context, reach.role)})`
            : reach.via === 'self'
              ? `the application role ${context.appRole} owns it`
              : `the application role owns it as a member of its owner (${reachText(context, reach.role)})`;
        return [
          {
            message: `table ${nameOf(relation)} ${tenantDataText(context, relation)} and has row-level security enabled but not forced, and ${how}: owners bypass row-level security that is not forced, so the application reads and writes every tenant's rows and its ${relation.policies.length} ${relation.policies.length === 1 ? 'policy is' : 'policies are'} never applied. As owner it can also rewrite or drop the policies. Force row-level security and give the table to a role the application cannot use.`,
            subject: relationSubject(relation),
            fix: [
              `ALTER TABLE ${sqlName(relation)} FORCE ROW LEVEL SECURITY;`,
              `-- and take ownership away from the application; run migrations as that role:`,
              `-- ALTER TABLE ${sqlName(relation)} OWNER TO <a role the application cannot use>;`,
              ...(reach.via === 'self' ? [] : [`-- or end the membership: REVOKE ${quoteIdent(reach.path[1] ?? reach.role)} FROM ${quoteIdent(context.appRole)};`]),
            ].join('\n'),
            evidence: { owner: relation.owner, reach: reach.via, path: reach.path, policies: relation.policies.map((p) => p.name) },
          },
        ];
      });
  },
});
