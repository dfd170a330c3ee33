import type { SqlClient } from '../../core/sql.ts';
import { toExpression, type ExpressionParser } from '../parse-expression.ts';
import type { Constraint, Index } from '../snapshot.ts';
import { userSchemaFilter } from './fragments.ts';

// conkey/confkey are attnum arrays; names are looked up keeping constraint order.
// A foreign key that references a partitioned table gets one extra pg_constraint row per
// referenced partition, on the same referencing table (conparentid set): those are the
// server's bookkeeping, not constraints anyone wrote, so they are left out. Clones on the
// referencing side's partitions have a different conrelid and are kept.
const constraintsSql = `
select con.conrelid::int8 as relid, con.conname as name, con.contype as type,
  array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, ord)
        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord) as columns,
  pg_get_constraintdef(con.oid) as definition,
  fn.nspname as ref_schema, f.relname as ref_table,
  array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, ord)
        join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.ord) as ref_columns,
  con.confdeltype as on_delete, con.confupdtype as on_update,
  case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end as check_expr,
  con.condeferrable as deferrable
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class f on f.oid = con.confrelid
left join pg_namespace fn on fn.oid = f.relnamespace
where con.contype in ('p', 'u', 'f', 'c', 'x', 'n') and ${userSchemaFilter('n')}
  and not (con.conparentid <> 0 and exists (
    select 1 from pg_constraint parent where parent.oid = con.conparentid and parent.conrelid = con.conrelid))
order by con.conrelid, array_position(array['p', 'u', 'f', 'c', 'x', 'n']::"char"[], con.contype), con.conname`;

// Key columns by position: a plain column gives its name, an expression its text.
const indexesSql = `
select x.indrelid::int8 as relid, i.relname as name,
  array(select case when x.indkey[k - 1] <> 0
                 then (select a.attname::text from pg_attribute a where a.attrelid = x.indrelid and a.attnum = x.indkey[k - 1])
                 else pg_get_indexdef(x.indexrelid, k, true) end
        from generate_series(1, x.indnkeyatts) k order by k) as columns,
  x.indisunique as unique, x.indisprimary as primary,
  pg_get_expr(x.indpred, x.indrelid) as predicate, pg_get_indexdef(x.indexrelid) as definition
from pg_index x
join pg_class i on i.oid = x.indexrelid
join pg_class c on c.oid = x.indrelid
join pg_namespace n on n.oid = c.relnamespace
where ${userSchemaFilter('n')}
order by x.indrelid, i.relname`;

const constraintKinds: Record<string, Constraint['kind']> = {
  p: 'primary-key',
  u: 'unique',
  f: 'foreign-key',
  c: 'check',
  x: 'exclusion',
  n: 'not-null',
};

const fkActions: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

interface ConstraintRow {
  relid: string;
  name: string;
  type: string;
  columns: string[];
  definition: string;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
  check_expr: string | null;
  deferrable: boolean;
}

/** Reads table constraints (PG18 adds not-null ones), keyed by relation oid. */
export async function readConstraints(client: SqlClient, schemas: string[] | null, parse: ExpressionParser): Promise<Map<number, Constraint[]>> {
  const { rows } = await client.query<ConstraintRow & Record<string, unknown>>(constraintsSql, [schemas]);
  return groupBy(rows, (row) => {
    const constraint: Constraint = {
      name: row.name,
      kind: constraintKinds[row.type] ?? 'check',
      columns: row.columns,
      definition: row.definition,
      deferrable: row.deferrable,
    };
    if (row.type === 'f' && row.ref_schema !== null && row.ref_table !== null) {
      constraint.references = {
        schema: row.ref_schema,
        table: row.ref_table,
        columns: row.ref_columns,
        onDelete: fkActions[row.on_delete] ?? row.on_delete,
        onUpdate: fkActions[row.on_update] ?? row.on_update,
      };
    }
    const expression = toExpression(parse, row.check_expr);
    if (expression) constraint.expression = expression;
    return constraint;
  });
}

interface IndexRow {
  relid: string;
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  predicate: string | null;
  definition: string;
}

/** Reads indexes, keyed by the indexed relation's oid. */
export async function readIndexes(client: SqlClient, schemas: string[] | null): Promise<Map<number, Index[]>> {
  const { rows } = await client.query<IndexRow & Record<string, unknown>>(indexesSql, [schemas]);
  return groupBy(rows, (row) => ({
    name: row.name,
    columns: row.columns,
    unique: row.unique,
    primary: row.primary,
    predicate: row.predicate,
    definition: row.definition,
  }));
}

/** Groups mapped rows by their `relid` (an int8 string) as a number. */
export function groupBy<R extends { relid: string }, T>(rows: R[], map: (row: R) => T): Map<number, T[]> {
  const grouped = new Map<number, T[]>();
  for (const row of rows) {
    const relid = Number(row.relid);
    const list = grouped.get(relid);
    if (list) list.push(map(row));
    else grouped.set(relid, [map(row)]);
  }
  return grouped;
}
