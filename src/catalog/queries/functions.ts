import type { SqlClient } from '../../core/sql.ts';
import type { Function } from '../snapshot.ts';
import { extensionOf, grantsJson, optionsRecord, toGrants, userSchemaFilter } from './fragments.ts';

// A NULL proacl means the owner's defaults, which include EXECUTE for PUBLIC: expanding it
// is what lets the audit see that every role may call a new SECURITY DEFINER function.
const functionsSql = `
select p.oid::int8 as oid, n.nspname as schema, p.proname as name,
  pg_get_function_identity_arguments(p.oid) as arguments,
  pg_get_function_result(p.oid) as returns,
  p.prokind as kind, l.lanname as language, p.prosecdef as security_definer,
  p.provolatile as volatility, p.proleakproof as leakproof, p.proisstrict as strict,
  p.proconfig as settings, pg_get_userbyid(p.proowner)::text as owner,
  -- SQL-standard bodies (BEGIN ATOMIC / RETURN, PG 14+) keep prosrc empty: deparse them.
  case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid) else p.prosrc end as source,
  ${extensionOf('pg_proc', 'p.oid')} as extension,
  -- Relations a SQL-standard body is bound to (pg_depend); other bodies record none.
  coalesce((select json_agg(distinct format('%s.%s', rn.nspname, rc.relname))
    from pg_depend d join pg_class rc on rc.oid = d.refobjid join pg_namespace rn on rn.oid = rc.relnamespace
    where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.refclassid = 'pg_class'::regclass), '[]'::json) as depends_on,
  ${grantsJson(`coalesce(p.proacl, acldefault('f', p.proowner))`)} as grants
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where ${userSchemaFilter('n')}
order by n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`;

const kinds: Record<string, Function['kind']> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' };
const volatilities: Record<string, Function['volatility']> = { i: 'immutable', s: 'stable', v: 'volatile' };

interface FunctionRow {
  oid: string;
  schema: string;
  name: string;
  arguments: string;
  returns: string | null;
  kind: string;
  language: string;
  security_definer: boolean;
  volatility: string;
  leakproof: boolean;
  strict: boolean;
  settings: string[] | null;
  owner: string;
  source: string | null;
  depends_on: string[];
  extension: string | null;
  grants: unknown;
}

/** Reads functions, procedures and aggregates of the user schemas (`$1`). */
export async function readFunctions(client: SqlClient, schemas: string[] | null): Promise<Function[]> {
  const { rows } = await client.query<FunctionRow & Record<string, unknown>>(functionsSql, [schemas]);
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    oid: Number(row.oid),
    arguments: row.arguments,
    // Procedures have no result type; the server reports NULL.
    returns: row.returns ?? 'void',
    kind: kinds[row.kind] ?? 'function',
    language: row.language,
    securityDefiner: row.security_definer,
    volatility: volatilities[row.volatility] ?? 'volatile',
    leakproof: row.leakproof,
    strict: row.strict,
    settings: optionsRecord(row.settings),
    owner: row.owner,
    source: row.source ?? '',
    dependsOn: row.depends_on,
    grants: toGrants(row.grants),
    extension: row.extension,
  }));
}
