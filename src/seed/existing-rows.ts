import { escapeCopyText } from '../db/copy.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';
import type { TableData } from './generate.ts';
import type { AdminClient } from './load-table.ts';
import type { TablePlan } from './plan.ts';

/**
 * Shared tables the schema already fills (plans, countries, currencies: reference data
 * inserted by the schema file) are not seeded again: their rows are read and used as the
 * parents of seeded rows, and listed in the manifest as shared. Generated rows would only
 * dilute the real reference data the application expects.
 */
export async function readExistingRows(client: AdminClient, plan: TablePlan, referencedSets: string[][]): Promise<TableData | null> {
  const table = quoteQualified({ schema: plan.node.relation.schema, name: plan.node.relation.name });
  const probe = await client.query(`select exists (select 1 from ${table}) as present`);
  if (probe.rows[0]?.present !== true) return null;
  const keyColumns = plan.keySlots.map((i) => plan.slots[i]!.column.name);
  const wanted = [...new Set([...keyColumns, ...referencedSets.flat()])];
  const select = wanted.map((c, i) => `${quoteIdent(c)}::text as c${i}`).join(', ');
  // Ordered by the key so parents are picked the same way on every run.
  const order = keyColumns.map((c) => quoteIdent(c)).join(', ');
  const result = await client.query(`select ${select} from ${table} order by ${order}`);
  const value = (row: Record<string, unknown>, column: string) => {
    const v = row[`c${wanted.indexOf(column)}`];
    return v === null || v === undefined ? '\\N' : escapeCopyText(String(v));
  };
  const data: TableData = { tuples: new Map(), keys: new Map(), users: new Map(), rowCount: result.rows.length, shortfalls: [] };
  for (const set of referencedSets) {
    data.tuples.set(set.join(','), new Map([[-1, result.rows.map((row) => set.map((c) => value(row, c)))]]));
  }
  // Manifest keys are plain text, not COPY text.
  data.keys.set(-1, result.rows.map((row) => keyColumns.map((c) => String(row[`c${wanted.indexOf(c)}`]))));
  return data;
}
