import { quoteIdent } from '../../db/quote.ts';
import { assumableRoles } from '../privilege-paths.ts';
import { defineRule, type RuleFinding } from '../rule.ts';

export default defineRule({
  meta: {
    id: 'app-role-bypasses-rls',
    title: 'Application role is superuser or bypasses row-level security',
    description:
      'The application role, or a role it can switch to with SET ROLE, is a superuser or has BYPASSRLS: under that role no policy applies and every tenant\'s rows are readable and writable.',
    severity: 'critical',
    remediation:
      'Make the application role NOSUPERUSER NOBYPASSRLS, and end its memberships (or, on PostgreSQL 16+, their SET option) in roles that are; give operators a separate login.',
  },
  check(context) {
    const roleInfo = new Map(context.snapshot.roles.map((r) => [r.name, r]));
    const findings: RuleFinding[] = [];
    // Attributes are not inherited: only a role the app can become is a way around RLS. A
    // BYPASSRLS role whose privileges merely flow to the app (PG 16 INHERIT TRUE, SET FALSE)
    // is not one; its ownerships are judged by rls-not-forced.
    for (const reach of assumableRoles(context.snapshot, context.appRole).values()) {
      const role = roleInfo.get(reach.role);
      if (!role || (!role.superuser && !role.bypassRls)) continue;
      const attribute = role.superuser ? 'SUPERUSER' : 'BYPASSRLS';
      const self = reach.via === 'self';
      const who = self
        ? `the application role ${reach.role} is ${attribute === 'SUPERUSER' ? 'a superuser' : 'BYPASSRLS'}`
        : `the application role can SET ROLE to ${reach.role} (${reach.path.join(' → ')}), which is ${attribute === 'SUPERUSER' ? 'a superuser' : 'BYPASSRLS'}`;
      const first = reach.path[1] ?? reach.role;
      findings.push({
        message: `${who}: ${self ? 'its queries ignore' : 'after one SET ROLE, queries ignore'} every row-level security policy${attribute === 'SUPERUSER' ? ' and every privilege' : ''}, so any SQL the application can be made to run reads and changes all tenants' rows. ${self ? `Make ${reach.role} NOSUPERUSER NOBYPASSRLS.` : `End the membership of ${context.appRole} in ${first}, or take ${attribute} away from ${reach.role}.`}`,
        subject: { role: reach.role },
        fix: self
          ? `ALTER ROLE ${quoteIdent(reach.role)} NOSUPERUSER NOBYPASSRLS;`
          : [
              `REVOKE ${quoteIdent(first)} FROM ${quoteIdent(context.appRole)};`,
              ...(context.snapshot.serverVersionNum >= 160000
                ? [`-- or keep inherited privileges but not SET ROLE:`, `-- REVOKE SET OPTION FOR ${quoteIdent(first)} FROM ${quoteIdent(context.appRole)};`]
                : []),
              `-- or: ALTER ROLE ${quoteIdent(reach.role)} NO${attribute};`,
            ].join('\n'),
        evidence: { attribute, superuser: role.superuser, bypassRls: role.bypassRls, via: reach.via, path: reach.path },
      });
    }
    return findings;
  },
});
