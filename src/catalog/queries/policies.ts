import type { SqlClient } from '../../core/sql.ts';
import { toExpression, type ExpressionParser } from '../parse-expression.ts';
import type { Policy, Trigger } from '../snapshot.ts';
import { groupBy } from './constraints.ts';
import { userSchemaFilter } from './fragments.ts';

// polroles holds role oids, 0 standing for PUBLIC; names are sorted for stable snapshots.
const policiesSql = `
select pol.polrelid::int8 as relid, pol.polname as name, pol.polcmd as command, pol.polpermissive as permissive,
  array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end
        from unnest(pol.polroles) r order by 1) as roles,
  pg_get_expr(pol.polqual, pol.polrelid) as using_expr,
  pg_get_expr(pol.polwithcheck, pol.polrelid) as check_expr
from pg_policy pol
join pg_class c on c.oid = pol.polrelid
join pg_namespace n on n.oid = c.relnamespace
where ${userSchemaFilter('n')}
order by pol.polrelid, pol.polname`;

// Internal triggers (FK enforcement, deferred unique checks) are the server's own; user
// triggers, including clones on partitions, are kept.
const triggersSql = `
select tg.tgrelid::int8 as relid, tg.tgname as name, pn.nspname || '.' || p.proname as function,
  pg_get_triggerdef(tg.oid) as definition, tg.tgenabled <> 'D' as enabled
from pg_trigger tg
join pg_proc p on p.oid = tg.tgfoid
join pg_namespace pn on pn.oid = p.pronamespace
join pg_class c on c.oid = tg.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where not tg.tgisinternal and ${userSchemaFilter('n')}
order by tg.tgrelid, tg.tgname`;

const commands: Record<string, Policy['command']> = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' };

interface PolicyRow {
  relid: string;
  name: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using_expr: string | null;
  check_expr: string | null;
}

/** Reads row-level security policies with parsed expressions, keyed by relation oid. */
export async function readPolicies(client: SqlClient, schemas: string[] | null, parse: ExpressionParser): Promise<Map<number, Policy[]>> {
  const { rows } = await client.query<PolicyRow & Record<string, unknown>>(policiesSql, [schemas]);
  return groupBy(rows, (row) => ({
    name: row.name,
    command: commands[row.command] ?? 'all',
    permissive: row.permissive,
    roles: row.roles,
    using: toExpression(parse, row.using_expr),
    withCheck: toExpression(parse, row.check_expr),
  }));
}

interface TriggerRow {
  relid: string;
  name: string;
  function: string;
  definition: string;
  enabled: boolean;
}

/** Reads user triggers, keyed by relation oid. */
export async function readTriggers(client: SqlClient, schemas: string[] | null): Promise<Map<number, Trigger[]>> {
  const { rows } = await client.query<TriggerRow & Record<string, unknown>>(triggersSql, [schemas]);
  return groupBy(rows, (row) => ({
    name: row.name,
    function: row.function,
    definition: row.definition,
    enabled: row.enabled,
  }));
}
