import { quoteIdent } from '../../db/quote.ts';
import { isSecurityInvoker, tenantDataOf, viewReads } from '../dependencies.ts';
import { appCommands, nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { exposureAs } from '../row-security.ts';

export default defineRule({
  meta: {
    id: 'view-without-security-invoker',
    title: 'View reads tenant tables with its owner rights, bypassing row-level security',
    description:
      "A view without security_invoker (every view on PostgreSQL 14) reads its tables as its owner. When row-level security does not bind that owner — a superuser, BYPASSRLS, the tables' owner without FORCE, or policies of its own that open — the application role reads or writes every tenant's rows through the view.",
    severity: 'critical',
    remediation:
      "ALTER VIEW ... SET (security_invoker = true) so the caller's privileges and policies apply (PostgreSQL 15+). On PostgreSQL 14, make the view's owner a role that row-level security binds, with policies that pin the tenant.",
  },
  check(context) {
    const findings: RuleFinding[] = [];
    const invokerSupported = context.snapshot.serverVersionNum >= 150000;
    for (const view of context.snapshot.relations) {
      if (view.kind !== 'view' || view.extension !== null || isSecurityInvoker(view)) continue;
      const used = appCommands(context, view);
      if (used.length === 0) continue;
      // Reads of a view with owner rights are checked as some owner, never as the caller.
      const leaks = viewReads(context, view).flatMap((read) => {
        const data = read.checkedAs === null ? null : tenantDataOf(context, read.relation);
        const exposure = data && read.checkedAs !== null ? exposureAs(context, read.checkedAs, read.relation, used) : null;
        return data && exposure?.exposed ? [{ read, data, exposure }] : [];
      });
      if (leaks.length === 0) continue;
      const what = leaks
        .map(({ read, data, exposure }) => {
          const through = read.via.length > 1 ? ` through ${read.via.slice(1).map(nameOf).join(' → ')}` : '';
          return `${nameOf(read.relation)} (which ${data.reason})${through} unfiltered, because ${exposure.text}`;
        })
        .join('; ');
      const how = invokerSupported
        ? 'Set security_invoker = true so the caller\'s privileges and policies apply, and grant the application what the view reads.'
        : 'PostgreSQL 14 has no security_invoker: make the owner a role that row-level security binds (not superuser, no BYPASSRLS, not the tables\' owner unless RLS is forced) with policies that pin the tenant.';
      const grants = leaks
        .filter(({ read }) => read.relation.kind !== 'view' && !context.can(read.relation, 'SELECT'))
        .map(({ read }) => `GRANT SELECT ON ${sqlName(read.relation)} TO ${quoteIdent(context.appRole)};`);
      findings.push({
        message: `view ${nameOf(view)} runs with the rights of its owner ${view.owner} (no security_invoker) and the application role ${context.appRole} can ${used.join(', ')} it: through it every tenant reaches ${what}. ${how}`,
        subject: relationSubject(view),
        fix: invokerSupported
          ? [`ALTER VIEW ${sqlName(view)} SET (security_invoker = true);`, ...(grants.length > 0 ? ['-- the caller now needs privileges on what the view reads (row-level security enabled on each):', ...grants] : [])].join('\n')
          : `-- PostgreSQL 14: a role that row-level security binds, with SELECT on what the view reads\nCREATE ROLE view_reader NOLOGIN NOBYPASSRLS;\nALTER VIEW ${sqlName(view)} OWNER TO view_reader;\n-- and a policy on each table that applies to view_reader and pins the tenant`,
        evidence: {
          owner: view.owner,
          commands: used,
          reads: leaks.map(({ read, data, exposure }) => ({
            relation: nameOf(read.relation),
            via: read.via.map(nameOf),
            checkedAs: read.checkedAs,
            tenantData: data.reason,
            bypass: exposure.why,
          })),
        },
      });
    }
    return findings;
  },
});
