import type { SqlClient } from '../../core/sql.ts';
import type { DefaultPrivilege, Schema } from '../snapshot.ts';
import { grantsJson, toGrants, userSchemaFilter } from './fragments.ts';

const schemasSql = `
select n.nspname as name, pg_get_userbyid(n.nspowner)::text as owner,
  ${grantsJson(`coalesce(n.nspacl, acldefault('n', n.nspowner))`)} as grants
from pg_namespace n
where ${userSchemaFilter('n')}
order by n.nspname`;

// Entries without a schema (defaclnamespace 0) apply everywhere, so they are kept whatever
// the schema filter says.
const defaultPrivilegesSql = `
select pg_get_userbyid(d.defaclrole)::text as role, n.nspname as schema, d.defaclobjtype as object_type,
  ${grantsJson('d.defaclacl')} as grants
from pg_default_acl d
left join pg_namespace n on n.oid = d.defaclnamespace
where d.defaclnamespace = 0 or ${userSchemaFilter('n')}
order by 1, 2 nulls first, 3`;

const objectTypes: Record<string, DefaultPrivilege['objectType']> = {
  r: 'table',
  S: 'sequence',
  f: 'function',
  T: 'type',
  n: 'schema',
};

interface SchemaRow {
  name: string;
  owner: string;
  grants: unknown;
}

/** Reads the user schemas with their grants (NULL ACL expanded to the owner's defaults). */
export async function readSchemas(client: SqlClient, schemas: string[] | null): Promise<Schema[]> {
  const { rows } = await client.query<SchemaRow & Record<string, unknown>>(schemasSql, [schemas]);
  return rows.map((row) => ({ name: row.name, owner: row.owner, grants: toGrants(row.grants) }));
}

interface DefaultPrivilegeRow {
  role: string;
  schema: string | null;
  object_type: string;
  grants: unknown;
}

/** Reads `ALTER DEFAULT PRIVILEGES` entries for the user schemas and global ones. */
export async function readDefaultPrivileges(client: SqlClient, schemas: string[] | null): Promise<DefaultPrivilege[]> {
  const { rows } = await client.query<DefaultPrivilegeRow & Record<string, unknown>>(defaultPrivilegesSql, [schemas]);
  return rows.map((row) => ({
    role: row.role,
    schema: row.schema,
    objectType: objectTypes[row.object_type] ?? 'table',
    grants: toGrants(row.grants),
  }));
}
