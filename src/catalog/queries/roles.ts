import type { SqlClient } from '../../core/sql.ts';
import type { Membership, Role } from '../snapshot.ts';

// pg_roles, not pg_authid: readable by any role and without password hashes.
const rolesSql = `
select r.oid::int8 as oid, r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
  r.rolcanlogin as login, r.rolinherit as inherit, r.rolcreaterole as create_role, r.rolcreatedb as create_db
from pg_roles r
order by r.rolname`;

// PG 16 moved inheritance and SET onto each grant (inherit_option, set_option). Before, a
// member inherited through every grant iff its own rolinherit, and could always SET ROLE.
const membershipsSql16 = `
select r.rolname as role, m.rolname as member, coalesce(g.rolname, '') as grantor,
  am.admin_option as admin, am.inherit_option as inherit, am.set_option as set
from pg_auth_members am
join pg_roles r on r.oid = am.roleid
join pg_roles m on m.oid = am.member
left join pg_roles g on g.oid = am.grantor
order by r.rolname, m.rolname, g.rolname`;

const membershipsSqlBefore16 = `
select r.rolname as role, m.rolname as member, coalesce(g.rolname, '') as grantor,
  am.admin_option as admin, m.rolinherit as inherit, true as set
from pg_auth_members am
join pg_roles r on r.oid = am.roleid
join pg_roles m on m.oid = am.member
left join pg_roles g on g.oid = am.grantor
order by r.rolname, m.rolname, g.rolname`;

interface RoleRow {
  oid: string;
  name: string;
  superuser: boolean;
  bypass_rls: boolean;
  login: boolean;
  inherit: boolean;
  create_role: boolean;
  create_db: boolean;
}

/** Reads every role of the cluster (predefined `pg_*` roles included: memberships name them). */
export async function readRoles(client: SqlClient): Promise<Role[]> {
  const { rows } = await client.query<RoleRow & Record<string, unknown>>(rolesSql);
  return rows.map((row) => ({
    name: row.name,
    oid: Number(row.oid),
    superuser: row.superuser,
    bypassRls: row.bypass_rls,
    login: row.login,
    inherit: row.inherit,
    createRole: row.create_role,
    createDb: row.create_db,
  }));
}

/** Reads role memberships with the inherit/set semantics of the server's version. */
export async function readMemberships(client: SqlClient, serverVersionNum: number): Promise<Membership[]> {
  const sql = serverVersionNum >= 160000 ? membershipsSql16 : membershipsSqlBefore16;
  const { rows } = await client.query<Membership & Record<string, unknown>>(sql);
  return rows.map((row) => ({
    role: row.role,
    member: row.member,
    grantor: row.grantor,
    admin: row.admin,
    inherit: row.inherit,
    set: row.set,
  }));
}
