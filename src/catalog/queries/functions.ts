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
  p.proconfig as settings, pg_get_userbyid(p.proowner)::text as owner, p.prosrc as source,
  ${extensionOf('pg_proc', 'p.oid')} as extension,
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
    grants: toGrants(row.grants),
    extension: row.extension,
  }));
}
