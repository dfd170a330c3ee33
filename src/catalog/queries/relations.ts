import type { SqlClient } from '../../core/sql.ts';
import type { Relation, RelationKind } from '../snapshot.ts';
import { extensionOf, grantsJson, optionsRecord, relationKinds, toGrants, userSchemaFilter } from './fragments.ts';

/** A relation without the parts read by other queries (columns, constraints, ...). */
export type RelationHead = Omit<Relation, 'columns' | 'constraints' | 'indexes' | 'policies' | 'triggers' | 'columnGrants'>;

const kinds: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned-table',
  v: 'view',
  m: 'materialized-view',
  f: 'foreign-table',
  S: 'sequence',
  c: 'composite-type',
};

// Parents come from pg_inherits for both partitions and inheritance children; which is which
// is relispartition. View dependencies go view → its rewrite rule → pg_depend → pg_class.
const relationsSql = `
select c.oid::int8 as oid, n.nspname as schema, c.relname as name, c.relkind as kind,
  pg_get_userbyid(c.relowner)::text as owner,
  c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
  c.reltuples::float8 as estimated_rows, c.reloptions as options,
  (select json_build_object('schema', pn.nspname, 'name', p.relname)
     from pg_inherits i join pg_class p on p.oid = i.inhparent join pg_namespace pn on pn.oid = p.relnamespace
     where i.inhrelid = c.oid and c.relispartition) as partition_parent,
  case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
  case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
  array(select pn.nspname || '.' || p.relname
     from pg_inherits i join pg_class p on p.oid = i.inhparent join pg_namespace pn on pn.oid = p.relnamespace
     where i.inhrelid = c.oid and not c.relispartition order by i.inhseqno) as inherits_from,
  case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as view_definition,
  array(select distinct dn.nspname || '.' || d.relname
     from pg_rewrite r
     join pg_depend dep on dep.classid = 'pg_rewrite'::regclass and dep.objid = r.oid
       and dep.refclassid = 'pg_class'::regclass and dep.refobjid <> c.oid
     join pg_class d on d.oid = dep.refobjid join pg_namespace dn on dn.oid = d.relnamespace
     where r.ev_class = c.oid order by 1) as depends_on,
  fs.srvname as foreign_server, ft.ftoptions as foreign_options,
  ${extensionOf('pg_class', 'c.oid')} as extension,
  case when c.relkind = 'c' then '[]'::json
    else ${grantsJson(`coalesce(c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner))`)} end as grants
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_foreign_table ft on ft.ftrelid = c.oid
left join pg_foreign_server fs on fs.oid = ft.ftserver
where c.relkind in ${relationKinds} and ${userSchemaFilter('n')}
order by n.nspname, c.relname`;

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  estimated_rows: number;
  options: string[] | null;
  partition_parent: { schema: string; name: string } | null;
  partition_bound: string | null;
  partition_key: string | null;
  inherits_from: string[];
  view_definition: string | null;
  depends_on: string[];
  foreign_server: string | null;
  foreign_options: string[] | null;
  extension: string | null;
  grants: unknown;
}

/** Reads every relation of the user schemas (`$1`), in schema and name order. */
export async function readRelations(client: SqlClient, schemas: string[] | null): Promise<RelationHead[]> {
  const { rows } = await client.query<RelationRow & Record<string, unknown>>(relationsSql, [schemas]);
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    oid: Number(row.oid),
    kind: kinds[row.kind] ?? 'table',
    owner: row.owner,
    rlsEnabled: row.rls_enabled,
    rlsForced: row.rls_forced,
    grants: toGrants(row.grants),
    partitionOf: row.partition_parent ? { ...row.partition_parent, bound: row.partition_bound ?? '' } : null,
    partitionKey: row.partition_key,
    inheritsFrom: row.inherits_from,
    view: row.view_definition === null ? null : { definition: row.view_definition, options: optionsRecord(row.options) },
    dependsOn: row.depends_on,
    foreign: row.foreign_server === null ? null : { server: row.foreign_server, options: optionsRecord(row.foreign_options) },
    estimatedRows: Number(row.estimated_rows),
    extension: row.extension,
  }));
}
