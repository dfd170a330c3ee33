import * as fc from 'fast-check';
import type { Attempt } from '../../db/app-session.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { judgeRead, readPlan, readStatement, readTargets, sendAttempt } from '../context-sequence.ts';
import { defineProbe } from '../probe.ts';

/**
 * What an application puts in the context when tenant resolution goes wrong: nothing, '',
 * strings that look like NULL, garbage, injection attempts, very long or exotic text, a tenant
 * id that does not exist. None of these names a tenant, so ANY canary received is a leak.
 *
 * Each attack runs on a connection in one of three states, because the same policy behaves
 * differently on them: a FRESH connection (the context was never set: current_setting(name,
 * true) is NULL), or a pooled connection that just served the victim with a transaction-local
 * context, committed or rolled back (the setting now reads '', not NULL). "IS NULL means admin"
 * opens only the first; coalesce/LIKE on '' opens the others.
 */
const fixed: readonly (string | null)[] = [
  null, '', ' ', 'null', 'NULL', 'undefined', 'none', '0', '-1', 'true', '*', '%', '_',
  'not-a-uuid', "' OR '1'='1", "x'); SELECT 1; --", "'; RESET ROLE; --", '\\', '"', '\t\n',
  '00000000-0000-0000-0000-000000000000', '{}', '[]', 'ＮＵＬＬ', '🙂', 'é',
];

/** Contexts that name no tenant; `null` sets nothing. */
function hostileContexts(): fc.Arbitrary<string | null> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fixed) },
    { weight: 1, arbitrary: fc.uuid({ version: 4 }) }, // a tenant (or user) that does not exist
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }).filter((s) => !s.includes('\0')) },
    { weight: 1, arbitrary: fc.constantFrom('x', "'", 'é', '%').map((c) => c.repeat(10_000)) },
  );
}

const modes = ['fresh', 'after-rollback', 'after-commit'] as const;

export default defineProbe({
  meta: {
    id: 'context-missing-or-hostile',
    title: 'Read with a missing or hostile tenant context',
    description: 'Reads every relation that may hold tenant data, by key and in bulk, with the tenant context unset, empty, NULL-like, malformed, hostile or naming no tenant — on a fresh connection and on a pooled one that just served another tenant.',
    severity: 'critical',
    remediation: "Make every policy fail closed: compare the tenant column to nullif(current_setting('app.tenant_id', true), '')::<type> with plain equality, so an unset, reset or invalid context matches no row (never treat NULL or '' as 'all tenants').",
  },
  confirms: ['policy-opens-without-context', 'tenant-comparison-not-equality', 'rls-disabled', 'rls-not-forced', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'app-role-owns-tenant-table', 'app-role-bypasses-rls'],
  arbitrary(env) {
    const targets = readTargets(env);
    if (targets.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), context: hostileContexts(), mode: fc.constantFrom(...modes), read: readPlan(targets) })
      .map(({ pair, context, mode, read }) => ({ ...pair, context, mode, read }));
  },
  async execute(c, env) {
    // The key asked for is the victim's: the tenant that used the connection before.
    const read = { ...c.read, owner: c.victim };
    const statement = readStatement(read);
    const attempts: Attempt[] = [];
    if (c.mode !== 'fresh') {
      // The victim's request, made the way the application does: context local to its transaction.
      attempts.push({ context: env.contextFor(c.victim), statements: [statement.sql, ...(c.mode === 'after-commit' ? ['COMMIT'] : [])] });
    }
    const attack: Attempt = { context: c.context, statements: [statement.sql] };
    attempts.push(attack);
    const outcomes = await env.sessions.withConnection(
      'app',
      async (query) => {
        const list = [];
        for (const attempt of attempts) list.push(await sendAttempt(env, query, attempt));
        return list;
      },
      { fresh: c.mode === 'fresh' },
    );
    const label = c.context === null ? 'no tenant context' : c.context.length > 40 ? `a ${c.context.length}-character context` : `context ${JSON.stringify(c.context)}`;
    const leak = judgeRead(env, outcomes.at(-1)!, { ...statement, target: c.read.target }, null, `${c.context ?? ''}\n${statement.sql}`, (victim, rows) =>
      `with ${label} on a ${c.mode === 'fresh' ? 'fresh connection' : `pooled connection that served tenant #${c.victim} (${c.mode.replace('after-', '')})`}, the app read ${rows} row(s) carrying data of tenant #${victim} from ${c.read.target.name}`);
    return { attempts, outcomes, leak };
  },
});
