import type { Grant } from '../snapshot.ts';

/**
 * SQL fragments and row helpers shared by the catalog queries. Fragments are constant text
 * (no user input ever enters them); the one variable input, the schema list, is always `$1`.
 */

/**
 * Keeps user schemas: drops pg_catalog, information_schema, TOAST and temp namespaces, and,
 * when `$1` (a `text[]`) is not null, everything not listed in it. `alias` is the
 * pg_namespace alias of the query.
 */
export function userSchemaFilter(alias: string): string {
  return `(${alias}.nspname not in ('pg_catalog', 'information_schema')
    and ${alias}.nspname not like 'pg\\_toast%'
    and ${alias}.nspname not like 'pg\\_temp\\_%'
    and ($1::text[] is null or ${alias}.nspname = any($1::text[])))`;
}

/** Relation kinds introspected (indexes and TOAST tables are read through their tables). */
export const relationKinds = `('r', 'p', 'v', 'm', 'f', 'S', 'c')`;

/**
 * A JSON array of grants from an ACL expression. Callers pass `coalesce(acl, acldefault(...))`
 * where a NULL ACL means "the owner's default privileges", so implicit rights (and PUBLIC's
 * EXECUTE on functions) are visible exactly as the server applies them. Grantee 0 is PUBLIC.
 * aclexplode spells privileges itself (`MAINTAIN` on 17+), so no per-version char table.
 */
export function grantsJson(aclExpression: string): string {
  return `coalesce((select json_agg(json_build_object(
      'grantee', case when acl.grantee = 0 then 'public' else pg_get_userbyid(acl.grantee)::text end,
      'grantor', pg_get_userbyid(acl.grantor)::text,
      'privilege', acl.privilege_type,
      'grantable', acl.is_grantable)
    order by case when acl.grantee = 0 then 'public' else pg_get_userbyid(acl.grantee)::text end, acl.privilege_type)
    from aclexplode(${aclExpression}) acl), '[]'::json)`;
}

/** The name of the extension that owns the object `oid` of catalog `catalog`, or null. */
export function extensionOf(catalog: string, oid: string): string {
  return `(select e.extname from pg_depend d join pg_extension e on e.oid = d.refobjid
    where d.classid = '${catalog}'::regclass and d.objid = ${oid}
      and d.refclassid = 'pg_extension'::regclass and d.deptype = 'e' limit 1)`;
}

/** Grants as read from {@link grantsJson}. */
export function toGrants(value: unknown): Grant[] {
  return Array.isArray(value) ? (value as Grant[]) : [];
}

/**
 * `{key=value}` option arrays (reloptions, ftoptions, proconfig) as a record. Values may
 * contain `=` (e.g. `search_path=a, b`), so only the first `=` splits.
 */
export function optionsRecord(options: readonly string[] | null | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const option of options ?? []) {
    const at = option.indexOf('=');
    if (at < 0) record[option] = '';
    else record[option.slice(0, at)] = option.slice(at + 1);
  }
  return record;
}

/** The schemas parameter: null means every user schema. */
export function schemasParam(schemas: readonly string[] | undefined): string[] | null {
  return schemas && schemas.length > 0 ? [...schemas] : null;
}
