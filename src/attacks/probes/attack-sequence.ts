import * as fc from 'fast-check';
import type { Attempt, AttemptOutcome } from '../../db/app-session.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { actionSql, stepArbitrary, type Relative } from '../attack-sequence-steps.ts';
import { judgeRead, leakedCanaries, readTargets, type ReadTarget } from '../context-sequence.ts';
import { excerptAround, receivedText } from '../oracle.ts';
import { defineProbe, type AttackEnv, type Leak } from '../probe.ts';

/**
 * Multi-step attacks on one connection, where one statement may open the door for a later
 * one: set the context (attacker, victim, or ''), read by key or in bulk, copy a row into the
 * other tenant, move rows to it — in transactions that are rolled back. After every statement,
 * a canary of a tenant other than the one the current context names is a leak.
 *
 * Model-based, but the steps are plain data in an fc.array rather than fc.commands: the
 * commands arbitrary shrinks by which commands ran and keeps that in mutable state on the
 * arbitrary, which the runner shares between concurrent shards, and a replay by seed and path
 * (no execution during the path walk) cannot rebuild it. Arrays shrink to a minimal sequence
 * as well, deterministically. The model is the connection: in a transaction or not, which
 * tenant the context names (an error rolls back the transaction and the local context).
 */
export default defineProbe({
  meta: {
    id: 'attack-sequence',
    title: 'Multi-step attack on one connection',
    description: 'Generates sequences of context changes, reads, inserts and updates on one connection, where an earlier statement may open the door for a later one, judging every statement’s output against the tenant the context names; shrinks a leak to the shortest sequence.',
    severity: 'critical',
    remediation: 'Give every command a policy that pins the tenant in USING and in WITH CHECK (so no row can be written into, or moved to, another tenant), and make an unset or empty context match no row.',
  },
  confirms: ['write-without-tenant-check', 'missing-policy-for-command', 'policy-opens-without-context', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table'],
  arbitrary(env) {
    if (readTargets(env).length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), fresh: fc.boolean(), steps: fc.array(stepArbitrary(env), { minLength: 1, maxLength: 6 }) })
      .map(({ pair, fresh, steps }) => ({ ...pair, fresh, steps }));
  },
  async execute(c, env) {
    // A pooled connection has served a request of the attacker before (its context now reads ''); a fresh one never did (NULL).
    const attempts: Attempt[] = c.fresh ? [] : [{ context: env.contextFor(c.attacker), statements: [] }];
    const outcomes: AttemptOutcome[] = [];
    let leak: Leak | null = null;
    await env.sessions.withConnection('app', async (query) => {
      if (!c.fresh) outcomes.push(await query(['BEGIN', ...(env.sessions.directLogin ? [] : [env.sessions.roleSql]), env.sessions.contextSql(env.contextFor(c.attacker)), 'ROLLBACK'].join(';\n')));
      let open: Attempt | null = null;
      let named: number | null = null;
      let lastWritten: ReadTarget | null = null;
      // `self` is the tenant the context names (the attacker when none), `other` the other one of the pair.
      const tenant = (who: Relative) => (who === 'self') === (named !== c.victim) ? c.attacker : c.victim;
      for (const [i, step] of c.steps.entries()) {
        const context = step.context === 'keep' ? null : env.sessions.contextSql(step.context === 'empty' ? '' : env.contextFor(c[step.context]));
        for (const [part, made] of [context && { sql: context }, actionSql(env, step.action, tenant, lastWritten)].entries()) {
          if (!made) continue;
          const head = open ? [] : ['BEGIN', ...(env.sessions.directLogin ? [] : [env.sessions.roleSql])];
          if (!open) attempts.push((open = { context: null, statements: [] }));
          open.statements.push(made.sql);
          const raw = await query([...head, made.sql].join(';\n'));
          const outcome = raw.error ? raw : { ...raw, results: raw.results.slice(head.length) };
          outcomes.push(outcome);
          if (part === 0 && !outcome.error) named = step.context === 'empty' ? null : c[step.context as 'attacker' | 'victim'];
          if (part === 1 && (step.action.kind === 'insert' || step.action.kind === 'update')) lastWritten = step.action.write.target;
          const what = (victim: number, rows: number) => `step ${i + 1} of ${c.steps.length} (${part === 0 ? 'context' : step.action.kind}), with the context naming ${named === null ? 'no tenant' : `tenant #${named}`}, received ${rows} row(s) carrying data of tenant #${victim}`;
          leak = 'read' in made && made.read ? judgeRead(env, outcome, made.read, named, made.sql, what) : statementLeak(env, outcome, named, made.sql, lastWritten, what);
          if (leak) return;
          if (outcome.error) [open, named] = [null, null]; // the error rolled the transaction back, and the local context with it
        }
      }
      if (open) await query('ROLLBACK');
    }, { fresh: c.fresh });
    return { attempts, outcomes, leak };
  },
});

/** Canaries of other tenants in the output of a context or write statement (rows, errors, notices). */
function statementLeak(env: AttackEnv, outcome: AttemptOutcome, named: number | null, sent: string, target: ReadTarget | null, what: (victim: number, rows: number) => string): Leak | null {
  const hits = leakedCanaries(env, outcome, named, sent);
  if (hits.length === 0) return null;
  return {
    what: what(hits[0]!.tenantIndex, outcome.results[0]?.rows.length ?? 0),
    target: target?.name ?? (env.tenancy.context.kind === 'setting' ? env.tenancy.context.setting : 'tenant context'),
    canaries: [...new Set(hits.map((h) => h.canary))].slice(0, 5),
    excerpt: excerptAround(receivedText(outcome), hits[0]!.canary),
    victim: hits[0]!.tenantIndex,
  };
}
