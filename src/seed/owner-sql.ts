import { quoteIdent, quoteQualified } from '../db/quote.ts';
import type { Classification, TableNode } from './classify.ts';

/**
 * SQL that reads a table's rows with their owning tenant id, from the data alone: the tenant
 * column, the registry key, or joins along the foreign-key path (`pathFk` chain) to the
 * table that holds the tenant. Shared tables give NULL owners. Used to derive a manifest from
 * a database seeded by the user's own SQL, and to check a generated seed against the data.
 *
 * The query selects `owner` (tenant id as text) and `k0..kn` (the requested columns as text),
 * from `t0`, the table itself.
 */
export function ownerQuery(classification: Classification, node: TableNode, columns: string[]): string {
  const selected = columns.map((c, i) => `t0.${quoteIdent(c)}::text as k${i}`);
  const from = [`${only(node)}${quoteQualified(node.relation)} t0`];
  let owner = 'null::text';
  let current = node;
  let alias = 't0';
  for (let step = 1; ; step++) {
    if (current.role === 'registry') {
      owner = `${alias}.${quoteIdent(classification.registryKey ?? 'id')}::text`;
      break;
    }
    if (current.role === 'tenant') {
      owner = `${alias}.${quoteIdent(current.tenantColumn!)}::text`;
      break;
    }
    if (current.role === 'referenced' && current.referencedBy) {
      // Owned through the rows that reference it: their owner, when exactly one tenant's rows do.
      const { node: child, fk } = current.referencedBy;
      const keys = fk.columns.map((_, i) => `k${i}`).join(', ');
      const next = `t${step}`;
      const on = fk.references!.columns.map((c, i) => `${next}.k${i} = ${alias}.${quoteIdent(c)}::text`).join(' and ');
      from.push(
        `left join (select ${keys}, case when count(distinct owner) = 1 then min(owner) end as owner from (${ownerQuery(classification, child, fk.columns)}) r group by ${keys}) ${next} on ${on}`,
      );
      owner = `${next}.owner`;
      break;
    }
    if (current.role !== 'path' || !current.pathFk) break;
    const fk = current.pathFk;
    const parent = classification.byKey.get(`${fk.references!.schema}.${fk.references!.table}`)!;
    const next = `t${step}`;
    const on = fk.columns.map((c, i) => `${next}.${quoteIdent(fk.references!.columns[i]!)} = ${alias}.${quoteIdent(c)}`).join(' and ');
    from.push(`left join ${only(parent)}${quoteQualified(parent.relation)} ${next} on ${on}`);
    current = parent;
    alias = next;
  }
  return `select ${[`${owner} as owner`, ...selected].join(', ')} from ${from.join(' ')}`;
}

/** Inheritance parents read with ONLY (their children are seeded, and listed, on their own). */
function only(node: TableNode): string {
  return node.relation.kind === 'table' ? 'only ' : '';
}
