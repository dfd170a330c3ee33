import { quoteIdent } from '../../db/quote.ts';
import { tenantDataOf } from '../dependencies.ts';
import { appCommands, nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';

export default defineRule({
  meta: {
    id: 'foreign-table-exposes-tenant-data',
    title: 'Foreign table with tenant data usable by the application',
    description:
      'A foreign table that carries tenant data — a tenant column, a partition or child of a tenant table, or a mapping onto a table named like a local tenant table — which the application role can read or write. Postgres refuses row-level security on foreign tables, so nothing on this side filters by tenant; the remote server filters only as the one user the mapping logs in as.',
    severity: 'high',
    remediation:
      "Revoke the application's privileges on the foreign table. Read foreign partitions through their parent table, whose policies apply; copy other foreign data into tables with row-level security, or filter it on the remote side per tenant.",
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const table of context.snapshot.relations) {
      if (table.kind !== 'foreign-table' || table.extension !== null) continue;
      const used = appCommands(context, table);
      const data = used.length > 0 ? tenantDataOf(context, table) : null;
      if (!data) continue;
      const parent = table.partitionOf ? `${table.partitionOf.schema}.${table.partitionOf.name}` : table.inheritsFrom[0];
      const instead = parent
        ? `Revoke it and read the rows through ${parent}, whose policies apply to them.`
        : 'Revoke it; copy what tenants need into a table with row-level security, or have the remote side filter per tenant.';
      findings.push({
        message: `foreign table ${nameOf(table)} ${data.reason}, and the application role ${context.appRole} can ${used.join(', ')} it. Foreign tables cannot have row-level security, so every tenant reaches every row the remote server (server ${table.foreign?.server}) returns to the mapped user. ${instead}`,
        subject: relationSubject(table),
        fix: [
          `REVOKE ALL ON ${sqlName(table)} FROM ${quoteIdent(context.appRole)}, PUBLIC;`,
          ...(parent ? [`-- read through the parent instead: SELECT ... FROM ${parent} (its policies filter the foreign partition's rows)`] : []),
        ].join('\n'),
        evidence: { server: table.foreign?.server ?? null, options: table.foreign?.options ?? {}, commands: used, tenantData: data.reason },
      });
    }
    return findings;
  },
});
