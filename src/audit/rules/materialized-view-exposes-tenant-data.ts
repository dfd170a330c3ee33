import { quoteIdent } from '../../db/quote.ts';
import { tenantDataOf, viewReads } from '../dependencies.ts';
import { appCommands, nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';

export default defineRule({
  meta: {
    id: 'materialized-view-exposes-tenant-data',
    title: 'Materialized view over tenant data readable by the application',
    description:
      'A materialized view stores rows computed from tenant tables (or carries a tenant column) and the application role can read it. Materialized views have no row-level security: every tenant reads every stored row.',
    severity: 'high',
    remediation:
      "Revoke the application's access to the materialized view. Serve tenants from an ordinary table with row-level security (refreshed by a job), or compute on demand through a security_invoker view over the protected tables.",
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const view of context.snapshot.relations) {
      if (view.kind !== 'materialized-view' || view.extension !== null || !context.can(view, 'SELECT')) continue;
      const data = tenantDataOf(context, view);
      if (!data) continue;
      const sources = viewReads(context, view).filter((read) => tenantDataOf(context, read.relation)).map((read) => nameOf(read.relation));
      const tenantColumn = view.columns.find((c) => context.tenancy.tenantColumns.includes(c.name))?.name;
      findings.push({
        message: `materialized view ${nameOf(view)} ${data.reason}, and the application role ${context.appRole} can ${appCommands(context, view).join(', ')} it. Materialized views have no row-level security, so every tenant reads every stored row. Revoke the application's access and serve tenants from a table with row-level security, or from a security_invoker view over the protected tables.`,
        subject: relationSubject(view),
        fix: [
          `REVOKE ALL ON ${sqlName(view)} FROM ${quoteIdent(context.appRole)}, PUBLIC;`,
          '-- and, for tenants, rows that row-level security filters, e.g. computed on demand:',
          `-- CREATE VIEW ... WITH (security_invoker = true) AS <the materialized view's query>;`,
          ...(tenantColumn ? [`-- or copied by a job into a table with RLS enabled and a policy on ${tenantColumn}`] : []),
        ].join('\n'),
        evidence: { sources, tenantColumn: tenantColumn ?? null },
      });
    }
    return findings;
  },
});
