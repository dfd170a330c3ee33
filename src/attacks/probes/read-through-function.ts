import * as fc from 'fast-check';
import { quoteIdent } from '../../db/quote.ts';
import type { StatementResult } from '../../db/app-session.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { defineProbe, type Leak } from '../probe.ts';
import { eraseTenantSql } from '../read-erase.ts';
import { canaryLeak } from '../read-evidence.ts';
import { argumentSql, callSql, candidatesFor, isCallable, parseParameters } from '../read-functions.ts';
import { allKeyValues, pickOf, tenantValues } from '../read-values.ts';

/**
 * Functions are a door around row-level security: a SECURITY DEFINER function reads as its
 * owner. Every function the app may execute is called with the victim's ids and keys where the
 * parameter types fit (set-returning ones as `SELECT * FROM f(...)`), inside the rolled-back
 * transaction. Evidence: the victim's canaries in the result (minus what was passed in, which a
 * function may echo), or non-interference broken — the same call returns something else once
 * the admin has removed the victim's rows (a count, a sum, a yes/no carries no canary).
 */

const shown = (rows: StatementResult | undefined) => JSON.stringify(rows?.rows ?? null);

export default defineProbe({
  meta: {
    id: 'read-through-function',
    title: 'Read other tenants’ data through a function',
    description: 'Calls every function and procedure the application role can execute with other tenants’ ids and keys as arguments, and looks for their canaries in the result, or for a result that changes when only another tenant’s rows are removed.',
    severity: 'critical',
    remediation: 'Make functions SECURITY INVOKER, or have a SECURITY DEFINER function pin the tenant itself (and own it by a role that row-level security binds); revoke EXECUTE from PUBLIC on functions the application does not call.',
  },
  confirms: ['security-definer-touches-tenant-data', 'security-definer-without-search-path'],
  arbitrary(env) {
    const functions = env.surface.functions.filter(isCallable);
    if (functions.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), fn: fc.constantFrom(...functions), picks: fc.array(fc.nat(), { maxLength: 6 }) })
      .map(({ pair, fn, picks }) => ({ ...pair, fn, picks }));
  },
  async execute(c, env) {
    const values = [...tenantValues(env, c.victim), ...allKeyValues(env, c.victim)];
    const args = parseParameters(c.fn.arguments).map((p, i) => argumentSql(p, pickOf(candidatesFor(p, values), c.picks[i] ?? 0)));
    const target = `${c.fn.schema}.${c.fn.name}`;
    const call = callSql(c.fn, `${quoteIdent(c.fn.schema)}.${quoteIdent(c.fn.name)}`, args);
    // As the app: the call, then once more (control), then again after the victim's rows are gone.
    const verify = [env.sessions.roleSql, call, 'RESET ROLE', ...eraseTenantSql(env, c.victim), env.sessions.roleSql, call];
    const attempt = { context: env.contextFor(c.attacker), statements: [call], verify };
    let outcome = await env.sessions.run(attempt);
    // A call that fails only once the rows are gone says nothing certain: judge the call alone.
    if (outcome.error) outcome = await env.sessions.run({ context: attempt.context, statements: [call] });
    const shownAttempt = { context: attempt.context, statements: [call] };
    let leak: Leak | null = canaryLeak(env, [outcome, { results: outcome.verify, verify: [], notices: [] }], {
      attacker: c.attacker,
      target,
      sent: call,
      rowsEcho: true,
      what: (victim) => `tenant #${c.attacker} read tenant #${victim}’s data through ${target}(${c.fn.arguments})`,
    });
    const before = shown(outcome.results[0]);
    const control = shown(outcome.verify[1]);
    const after = shown(outcome.verify[outcome.verify.length - 1]);
    if (!leak && outcome.verify.length === verify.length && before === control && after !== before) {
      leak = {
        what: `tenant #${c.attacker}’s call ${target}(${c.fn.arguments}) returns another result once tenant #${c.victim}’s rows are removed: it reads another tenant’s data`,
        target,
        canaries: [],
        excerpt: `${before.slice(0, 120)} with tenant #${c.victim}’s rows, ${after.slice(0, 120)} without them`,
        victim: c.victim,
      };
    }
    return { attempts: [shownAttempt], outcomes: [outcome], leak };
  },
});
