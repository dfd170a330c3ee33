import { withClient } from '../db/connect.ts';
import { quoteIdent } from '../db/quote.ts';

/**
 * The database half of FLAW(route-without-tenant): the app role becomes the owner of
 * `public.invoices` and row security is no longer forced, so the owner bypasses RLS and a
 * route that forgets the tenant really leaks. Done as the admin at startup, only when that
 * flaw is on, and undone when the app closes: owner, FORCE and the app role's grants (an
 * owner change rewrites the table's ACL, so they are recorded and granted again).
 */

const table = 'public.invoices';

/** Puts the flaw in place; returns the function that takes it out again. */
export async function applyOwnershipFlaw(adminUrl: string, appRole: string): Promise<() => Promise<void>> {
  const before = await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ owner: string; forced: boolean; privileges: string[] | null }>(
      `select c.relowner::regrole::text as owner, c.relforcerowsecurity as forced,
              (select array_agg(distinct a.privilege_type) from aclexplode(c.relacl) a
                where a.grantee = (select oid from pg_roles where rolname = $2)) as privileges
         from pg_class c where c.oid = $1::regclass`,
      [table, appRole],
    );
    const state = rows[0]!;
    await client.query('begin');
    await client.query(`alter table ${table} owner to ${quoteIdent(appRole)}`);
    await client.query(`alter table ${table} no force row level security`);
    await client.query('commit');
    return state;
  });
  return () =>
    withClient(adminUrl, async (client) => {
      await client.query('begin');
      // `owner` is regrole text: already quoted where it needs to be.
      await client.query(`alter table ${table} owner to ${before.owner}`);
      if (before.forced) await client.query(`alter table ${table} force row level security`);
      await client.query(`revoke all on ${table} from ${quoteIdent(appRole)}`);
      const privileges = (before.privileges ?? []).filter((p) => /^[A-Z ]+$/.test(p));
      if (privileges.length > 0) await client.query(`grant ${privileges.join(', ')} on ${table} to ${quoteIdent(appRole)}`);
      await client.query('commit');
    });
}
