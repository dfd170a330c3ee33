import { quoteIdent } from '../../db/quote.ts';
import { appCommands, nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { tablesWithTenantColumn } from '../tenant-keys.ts';

export default defineRule({
  meta: {
    id: 'tenant-column-not-indexed',
    title: 'Tenant column not the leading column of any index',
    description:
      'A tenant table the application uses has no (non-partial) index whose first column is the tenant column. Every policy adds tenant_id = <current tenant> to every query, and without such an index each one scans the whole table: one tenant\'s load grows with every other tenant\'s data.',
    severity: 'low',
    remediation: 'Lead the primary key and the other indexes with the tenant column, e.g. PRIMARY KEY (tenant_id, id), or add CREATE INDEX ON t (tenant_id).',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const { relation, tenantColumn } of tablesWithTenantColumn(context)) {
      // A partition gets its parent's partitioned indexes; the parent is reported.
      if (relation.partitionOf !== null) continue;
      if (relation.indexes.some((i) => i.columns[0] === tenantColumn && i.predicate === null)) continue;
      const used = appCommands(context, relation);
      if (used.length === 0) continue;
      const leading = relation.indexes.map((i) => `${i.name} (${i.columns.join(', ')})`);
      findings.push({
        message: `table ${nameOf(relation)} has no index that starts with its tenant column ${tenantColumn}${leading.length > 0 ? ` (its indexes: ${leading.join('; ')})` : ''}, and the application role ${context.appRole} can ${used.join(', ')} it: every query filtered by the tenant policy reads the whole table, so each tenant pays for all tenants' rows. Lead the primary key with ${tenantColumn}, or index it.`,
        subject: relationSubject(relation),
        fix: `CREATE INDEX CONCURRENTLY ${quoteIdent(`${relation.name}_${tenantColumn}_idx`.slice(0, 63))} ON ${sqlName(relation)} (${quoteIdent(tenantColumn)});\n-- or make the primary key (${tenantColumn}, id) so lookups by id within a tenant use it too`,
        evidence: { indexes: relation.indexes.map((i) => ({ name: i.name, columns: i.columns, partial: i.predicate !== null })), commands: used },
      });
    }
    return findings;
  },
});
