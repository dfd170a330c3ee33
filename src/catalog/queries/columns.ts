import type { SqlClient } from '../../core/sql.ts';
import type { Column, Grant } from '../snapshot.ts';
import { grantsJson, relationKinds, toGrants, userSchemaFilter } from './fragments.ts';

/**
 * Columns of every introspected relation. For a domain column the interesting facts live on
 * the base type (`bt`): enum labels, varchar length; the domain itself (`t`) supplies the
 * name, the typmod a `varchar(n)` domain carries, and its CHECK constraints.
 */
const columnsSql = `
select a.attrelid::int8 as relid, a.attname as name, a.attnum as position,
  format_type(a.atttypid, a.atttypmod) as type, t.typname as type_name, t.typcategory as type_category,
  case when bt.typname in ('varchar', 'bpchar') then
    nullif(case when a.atttypmod > 0 then a.atttypmod when t.typtype = 'd' and t.typtypmod > 0 then t.typtypmod else -1 end, -1) - 4
  end as max_length,
  case when bt.typtype = 'e' then
    array(select e.enumlabel::text from pg_enum e where e.enumtypid = bt.oid order by e.enumsortorder)
  end as enum_values,
  case when t.typtype = 'd' then json_build_object(
    'baseType', format_type(t.typbasetype, t.typtypmod),
    'checks', array(select pg_get_constraintdef(dc.oid) from pg_constraint dc
                    where dc.contypid = t.oid and dc.contype = 'c' order by dc.conname))
  end as domain,
  a.attnotnull as not_null,
  case when a.attgenerated = '' then pg_get_expr(ad.adbin, ad.adrelid) end as default_expr,
  case when a.attgenerated <> '' then pg_get_expr(ad.adbin, ad.adrelid) end as generated,
  a.attidentity as identity,
  case when a.attacl is not null then ${grantsJson('a.attacl')} end as grants
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
join pg_type bt on bt.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where a.attnum > 0 and not a.attisdropped
  and c.relkind in ${relationKinds} and ${userSchemaFilter('n')}
order by a.attrelid, a.attnum`;

interface ColumnRow {
  relid: string;
  name: string;
  position: number;
  type: string;
  type_name: string;
  type_category: string;
  max_length: number | null;
  enum_values: string[] | null;
  domain: { baseType: string; checks: string[] } | null;
  not_null: boolean;
  default_expr: string | null;
  generated: string | null;
  identity: string;
  grants: unknown;
}

/** Columns and column-level grants of one relation. */
export interface RelationColumns {
  columns: Column[];
  columnGrants: Record<string, Grant[]>;
}

/** Reads columns of all relations in the user schemas (`$1`), keyed by relation oid. */
export async function readColumns(client: SqlClient, schemas: string[] | null): Promise<Map<number, RelationColumns>> {
  const { rows } = await client.query<ColumnRow & Record<string, unknown>>(columnsSql, [schemas]);
  const byRelation = new Map<number, RelationColumns>();
  for (const row of rows) {
    const relid = Number(row.relid);
    let entry = byRelation.get(relid);
    if (!entry) byRelation.set(relid, (entry = { columns: [], columnGrants: {} }));
    entry.columns.push({
      name: row.name,
      position: row.position,
      type: row.type,
      typeName: row.type_name,
      typeCategory: row.type_category,
      maxLength: row.max_length,
      enumValues: row.enum_values,
      domain: row.domain,
      notNull: row.not_null,
      default: row.default_expr,
      identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by-default' : null,
      generated: row.generated,
    });
    const grants = toGrants(row.grants);
    if (grants.length > 0) entry.columnGrants[row.name] = grants;
  }
  return byRelation;
}
