import * as fc from 'fast-check';
import type { Attempt } from '../../db/app-session.ts';
import { quoteIdent, quoteLiteral } from '../../db/quote.ts';
import type { AttackEnv } from '../probe.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { judgeRead, readPlan, readStatement, readTargets, sendAttempt } from '../context-sequence.ts';
import { defineProbe } from '../probe.ts';

/**
 * Pooled-connection sequences: an earlier request leaves the connection in some state, then
 * another tenant's request runs on it — setting its own context, or forgetting to.
 *
 * The decision (what counts as a leak): the oracle judges against the tenant the DATABASE is
 * told about at the moment of the read — the request's own transaction-local context if it set
 * one, else a session-level leftover of an earlier request, else none. A request that forgets
 * its context after a buggy request pinned the victim at session level reads the victim's
 * rows on EVERY database: that is the application's bug, not the schema's, and is not
 * reported. What is reported is what a correct application would still suffer because of the
 * database side: a policy that treats the '' a finished transaction-local context leaves
 * behind as "all tenants", a failed request whose context outlives it, a local context that
 * does not override a leftover, or policies that open to any set value so that the leftover
 * shows tenants other than the one it names.
 */
type Prior = 'local-commit' | 'local-rollback' | 'local-failed' | 'session-set-config' | 'session-set' | 'session-failed';
const priors: readonly Prior[] = ['local-rollback', 'local-commit', 'local-failed', 'session-set-config', 'session-set', 'session-failed'];

/** The earlier request, on behalf of `victim`, and whether it leaves the victim set for the session. */
function priorAttempt(env: AttackEnv, prior: Prior, victim: number, read: string): { attempt: Attempt; lingers: boolean } {
  const value = env.contextFor(victim);
  const setting = env.tenancy.context.kind === 'setting' ? env.tenancy.context.setting : '';
  switch (prior) {
    case 'local-commit':
      return { attempt: { context: value, statements: [read, 'COMMIT'] }, lingers: false };
    case 'local-rollback':
      return { attempt: { context: value, statements: [read] }, lingers: false };
    case 'local-failed': // fails half way: the error rolls the transaction back
      return { attempt: { context: value, statements: [read, 'SELECT 1/0'] }, lingers: false };
    case 'session-set-config': // a buggy request: set_config(..., false), committed
      return { attempt: { context: null, statements: [`SELECT set_config(${quoteLiteral(setting)}, ${quoteLiteral(value)}, false)`, 'COMMIT'] }, lingers: true };
    case 'session-set':
      return { attempt: { context: null, statements: [`SET ${setting.split('.').map(quoteIdent).join('.')} = ${quoteLiteral(value)}`, 'COMMIT'] }, lingers: true };
    case 'session-failed': // session-level, but the transaction fails: the rollback undoes it
      return { attempt: { context: null, statements: [`SELECT set_config(${quoteLiteral(setting)}, ${quoteLiteral(value)}, false)`, 'SELECT 1/0'] }, lingers: false };
  }
}

export default defineProbe({
  meta: {
    id: 'context-pool-reuse',
    title: 'Tenant context left on a pooled connection',
    description: 'Runs two requests on one pooled connection: an earlier one (transaction-local context committed, rolled back or failed half way; or a buggy session-level set_config/SET) and another tenant’s request that sets its own context or forgets to, then reads every relation that may hold tenant data.',
    severity: 'critical',
    remediation: "Read the tenant as nullif(current_setting('app.tenant_id', true), '')::<type> with plain equality, so the '' a finished transaction leaves on a pooled connection matches no row; set the context only with set_config(name, value, true) inside the request's transaction, and reset connections (DISCARD ALL / RESET ALL) when the pool hands them back.",
  },
  confirms: ['policy-opens-without-context', 'tenant-comparison-not-equality', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table'],
  arbitrary(env) {
    const targets = readTargets(env);
    if (targets.length === 0) return null;
    // The application's own SQL (context kind 'statement') is its business: only its setting can be left at session level.
    const usable = env.tenancy.context.kind === 'setting' ? priors : priors.filter((p) => p.startsWith('local'));
    return fc
      .record({ pair: attackerAndVictim(env), prior: fc.constantFrom(...usable), own: fc.boolean(), read: readPlan(targets) })
      .map(({ pair, prior, own, read }) => ({ ...pair, prior, own, read }));
  },
  async execute(c, env) {
    const before = priorAttempt(env, c.prior, c.victim, readStatement({ ...c.read, bulk: true, owner: c.victim }).sql);
    // Whom the database is told about during the later read (see the decision above).
    const named = c.own ? c.attacker : before.lingers ? c.victim : null;
    // Ask for a row of a tenant other than the one named: the victim's, or the attacker's under a leftover victim.
    const statement = readStatement({ ...c.read, owner: named === c.victim ? c.attacker : c.victim });
    const later: Attempt = { context: c.own ? env.contextFor(c.attacker) : null, statements: [statement.sql] };
    const attempts = [before.attempt, later];
    const outcomes = await env.sessions.withConnection('app', async (query) => [await sendAttempt(env, query, before.attempt), await sendAttempt(env, query, later)]);
    const leak = judgeRead(env, outcomes[1]!, { ...statement, target: c.read.target }, named, `${later.context ?? ''}\n${statement.sql}`, (victim, rows) =>
      `after a ${c.prior} request of tenant #${c.victim} on the same pooled connection, a request ${c.own ? `of tenant #${c.attacker} with its own context` : 'without context'} read ${rows} row(s) carrying data of tenant #${victim} from ${c.read.target.name}`);
    return { attempts, outcomes, leak };
  },
});
