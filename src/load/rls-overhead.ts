import { randomBytes } from 'node:crypto';
import { HarnessError, messageOf } from '../core/errors.ts';
import { withClient } from '../db/connect.ts';
import { quoteIdent, quoteLiteral } from '../db/quote.ts';

/**
 * A role that bypasses row level security without being a superuser, for measuring what RLS
 * costs: a second reference app logs in as it and serves the same light endpoints, whose
 * statements filter by tenant explicitly, so only the policies' work is taken away. A
 * superuser would also skip privilege checks and could not prove the comparison fair.
 *
 * The role is `LOGIN BYPASSRLS NOSUPERUSER INHERIT` and a member of the app role, so it holds
 * exactly the app role's privileges: with INHERIT on the member (PostgreSQL 15 and earlier:
 * the role attribute; 16 and later: the grant's INHERIT option, which defaults to it), no
 * `SET ROLE` is needed. Role settings (`ALTER ROLE app SET …`) are not inherited.
 */

/** A bypass role; `drop()` removes it (and ends its sessions). Dropping twice is fine. */
export interface BypassRole {
  name: string;
  password: string;
  drop(): Promise<void>;
}

/**
 * Creates `tenantguard_bypass_<hex>` as a member of `appRole`. The admin must be a superuser
 * (only superusers may grant BYPASSRLS). The password is random and exists only in memory.
 */
export async function createBypassRole(adminUrl: string, appRole: string): Promise<BypassRole> {
  const name = `tenantguard_bypass_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await withClient(adminUrl, async (client) => {
    const found = await client.query('select 1 from pg_catalog.pg_roles where rolname = $1', [appRole]);
    if (found.rowCount === 0) {
      throw new HarnessError('usage', `the app role "${appRole}" does not exist`, { hint: 'Apply the schema first, and check tenancy.appRole.' });
    }
    try {
      // CREATE ROLE takes no parameters: the name is quoted as an identifier, the password
      // (random base64url, no quotes possible) as a literal. The whole setup is one transaction.
      await client.query('begin');
      await client.query(`create role ${quoteIdent(name)} login bypassrls nosuperuser inherit nocreatedb nocreaterole password ${quoteLiteral(password)}`);
      await client.query(`grant ${quoteIdent(appRole)} to ${quoteIdent(name)}`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw new HarnessError('usage', `cannot create a BYPASSRLS role for the RLS overhead comparison: ${messageOf(error)}`, {
        hint: 'The admin connection must be a superuser to grant BYPASSRLS.',
        cause: error,
      });
    }
  });
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= withClient(adminUrl, async (client) => {
      // A session still open would keep working as a role that no longer exists.
      await client.query('select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity where usename = $1', [name]);
      await client.query(`drop role if exists ${quoteIdent(name)}`);
    }));
  return { name, password, drop };
}
