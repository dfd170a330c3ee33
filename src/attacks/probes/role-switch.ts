import * as fc from 'fast-check';
import type { CatalogSnapshot } from '../../catalog/snapshot.ts';
import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { judgeRead, readPlan, readStatement, readTargets, type ReadTarget } from '../context-sequence.ts';
import { defineProbe, type AttackEnv } from '../probe.ts';

/**
 * Role switching from inside the application's session: SET ROLE / SET LOCAL ROLE to every
 * role the app may become, then reads of other tenants' data with the attacker's own context.
 * A "support mode" role with BYPASSRLS, or a chain that ends in a superuser, hands over every
 * tenant's rows no matter how good the policies are.
 *
 * Only switches the application itself could make are tried. When the harness acts as the app
 * through an admin connection (login 'set-role'), the session user is a superuser that may
 * become ANY role, so trying a role outside the app's SET chain, RESET ROLE or SET SESSION
 * AUTHORIZATION would prove only the harness's power: those run only when the app logs in
 * with its own password (then the server itself refuses what the app may not do).
 */

/** Roles the app role may SET ROLE to: chains of membership edges that each allow SET. */
export function settableRoles(snapshot: CatalogSnapshot, appRole: string): string[] {
  const become = [appRole];
  for (let i = 0; i < become.length; i++) {
    for (const edge of snapshot.memberships) {
      if (edge.member === become[i] && edge.set && !become.includes(edge.role)) become.push(edge.role);
    }
  }
  return become.slice(1);
}

/** The switch statements worth trying in this environment (see the note above). */
function switches(env: AttackEnv): string[] {
  const app = env.tenancy.appRole.name;
  const settable = settableRoles(env.snapshot, app);
  const sql = settable.flatMap((role) => [`SET ROLE ${quoteIdent(role)}`, `SET LOCAL ROLE ${quoteIdent(role)}`]);
  if (env.sessions.directLogin) {
    const privileged = env.snapshot.roles.filter((r) => (r.superuser || r.bypassRls) && r.name !== app && !settable.includes(r.name)).map((r) => r.name);
    sql.push('RESET ROLE', 'SET ROLE NONE', 'SET SESSION AUTHORIZATION DEFAULT');
    for (const role of [...settable, ...privileged]) sql.push(`SET ROLE ${quoteIdent(role)}`, `SET SESSION AUTHORIZATION ${quoteIdent(role)}`);
  }
  return [...new Set(sql)];
}

/** Every relation with seeded tenant data, readable by the app or not: the new role may read more. */
function targets(env: AttackEnv): ReadTarget[] {
  const known = readTargets(env);
  const more = env.manifest.tables
    .filter((t) => t.ownership.kind !== 'shared' && !known.some((k) => k.name === `${t.table.schema}.${t.table.name}`))
    .map((t) => ({ name: `${t.table.schema}.${t.table.name}`, sql: quoteQualified(t.table), seeded: t }));
  return [...known, ...more];
}

export default defineProbe({
  meta: {
    id: 'role-switch',
    title: 'Switch role from the application session',
    description: 'From inside the application’s session, switches to every role the application may become (SET ROLE, SET LOCAL ROLE; with its own login also RESET ROLE and SET SESSION AUTHORIZATION) and reads other tenants’ data.',
    severity: 'critical',
    remediation: 'Do not let the application role become roles with BYPASSRLS or SUPERUSER (or roles that lead to them): revoke the membership, or grant it WITH SET FALSE; give support tools their own login and their own policies.',
  },
  confirms: ['app-role-bypasses-rls'],
  arbitrary(env) {
    const sql = switches(env);
    const reads = targets(env);
    if (sql.length === 0 || reads.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), switch: fc.constantFrom(...sql), read: readPlan(reads) })
      .map(({ pair, switch: sw, read }) => ({ ...pair, switch: sw, read }));
  },
  async execute(c, env) {
    const statement = readStatement({ ...c.read, owner: c.victim });
    const attempt = { context: env.contextFor(c.attacker), statements: [c.switch, statement.sql] };
    const outcome = await env.sessions.run(attempt);
    const leak = judgeRead(env, outcome, { ...statement, target: c.read.target }, c.attacker, attempt.statements.join('\n'), (victim, rows) =>
      `after ${c.switch}, tenant #${c.attacker} read ${rows} row(s) carrying data of tenant #${victim} from ${c.read.target.name}`);
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
