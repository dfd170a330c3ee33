import { quoteIdent } from '../../db/quote.ts';
import type { Constraint, Relation } from '../../catalog/snapshot.ts';
import { nameOf, relationSubject, sqlName } from '../describe.ts';
import { defineRule, type RuleFinding } from '../rule.ts';
import { inheritedFromParent, sameColumns, tablesWithTenantColumn, writeCommands } from '../tenant-keys.ts';

type ForeignKey = Constraint & { references: NonNullable<Constraint['references']> };

/**
 * The key columns paired tenant first: the other columns of each side, in order, after the
 * tenant columns. (Also mends a key that pairs the tenant column with the wrong column.)
 */
function pinnedColumns(fk: ForeignKey, tenant: string, parentTenant: string): { child: string[]; parent: string[] } {
  const child = fk.columns.filter((c) => c !== tenant);
  const parent = fk.references.columns.filter((c) => c !== parentTenant);
  const n = Math.min(child.length, parent.length);
  return { child: [tenant, ...child.slice(0, n)], parent: [parentTenant, ...parent.slice(0, n)] };
}

/** The constraint rewritten to pin the tenant, and the unique key the parent then needs. */
function fixOf(child: Relation, fk: ForeignKey, parent: Relation, tenant: string, parentTenant: string, serverVersionNum: number): string {
  const { child: childCols, parent: parentCols } = pinnedColumns(fk, tenant, parentTenant);
  const list = (cols: string[]) => cols.map(quoteIdent).join(', ');
  const keyed = parent.indexes.some((i) => i.unique && i.predicate === null && sameColumns(i.columns, parentCols));
  // SET NULL on a composite key would null the tenant column too; PG15+ can name the columns.
  const onDelete =
    fk.references.onDelete === 'no action'
      ? ''
      : fk.references.onDelete === 'set null' && serverVersionNum >= 150000
        ? ` ON DELETE SET NULL (${list(childCols.slice(1))})`
        : ` ON DELETE ${fk.references.onDelete.toUpperCase()}`;
  return [
    ...(keyed ? [] : [`ALTER TABLE ${sqlName(parent)} ADD UNIQUE (${list(parentCols)});`]),
    `ALTER TABLE ${sqlName(child)} DROP CONSTRAINT ${quoteIdent(fk.name)};`,
    `ALTER TABLE ${sqlName(child)} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${list(childCols)}) REFERENCES ${sqlName(parent)} (${list(parentCols)})${onDelete};`,
  ].join('\n');
}

export default defineRule({
  meta: {
    id: 'foreign-key-without-tenant',
    title: 'Foreign key between tenant tables that does not pin the tenant',
    description:
      "A foreign key from one tenant table to another whose columns do not pair the tenant columns, on a table the application can write: a tenant can point its rows at another tenant's rows, and since foreign-key checks ignore row-level security, the error (or its absence) reveals whether another tenant's key exists.",
    severity: 'medium',
    remediation:
      'Make the key composite: FOREIGN KEY (tenant_id, parent_id) REFERENCES parent (tenant_id, id), with a unique key on parent (tenant_id, id).',
  },
  check(context) {
    const findings: RuleFinding[] = [];
    for (const { relation: child, tenantColumn } of tablesWithTenantColumn(context)) {
      for (const constraint of child.constraints) {
        if (constraint.kind !== 'foreign-key' || !constraint.references) continue;
        const fk = constraint as ForeignKey;
        const parent = context.relation(`${fk.references.schema}.${fk.references.table}`);
        const parentTenant = parent ? context.tenantTable(parent)?.tenantColumn : null;
        if (!parent || !parentTenant) continue;
        const at = fk.columns.indexOf(tenantColumn);
        if (at >= 0 && fk.references.columns[at] === parentTenant) continue;
        if (inheritedFromParent(context, child, (p) => p.constraints.some((c) => c.kind === 'foreign-key' && sameColumns(c.columns, fk.columns) && c.references?.table === fk.references.table))) continue;
        const writes = writeCommands(context, child, fk.columns);
        if (writes.length === 0) continue;
        const pinned = pinnedColumns(fk, tenantColumn, parentTenant);
        const cascade = fk.references.onDelete === 'cascade' ? ` With ON DELETE CASCADE, one tenant's delete also removes another tenant's rows that point at it.` : '';
        findings.push({
          message: `foreign key ${fk.name} on ${nameOf(child)} (${fk.columns.join(', ')}) → ${nameOf(parent)} (${fk.references.columns.join(', ')}) does not pair ${tenantColumn} with ${nameOf(parent)}.${parentTenant}, and the application role ${context.appRole} can ${writes.join(', ')} ${nameOf(child)}: a tenant can point its rows at another tenant's rows, and the foreign-key error (checks ignore row-level security) tells whether another tenant's key exists.${cascade} Reference (${pinned.child.join(', ')}) → ${nameOf(parent)} (${pinned.parent.join(', ')}) instead.`,
          subject: relationSubject(child),
          key: fk.name,
          fix: fixOf(child, fk, parent, tenantColumn, parentTenant, context.snapshot.serverVersionNum),
          evidence: { constraint: fk.name, definition: fk.definition, commands: writes },
        });
      }
    }
    return findings;
  },
});
