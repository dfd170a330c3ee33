import * as fc from 'fast-check';
import type { Attempt, AttemptOutcome } from '../../db/app-session.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim, victimKey } from '../arbitraries.ts';
import { judgeRead, leakedCanaries, readStatement, readTargets, type ReadTarget } from '../context-sequence.ts';
import { excerptAround, receivedText } from '../oracle.ts';
import { defineProbe, type AttackEnv, type Leak } from '../probe.ts';

/**
 * Multi-step attacks on one connection, where one statement may open the door for a later
 * one: set the context (a tenant, or ''), read by key or in bulk, insert a copy of a row with
 * another tenant id, move a row to another tenant — all in one transaction that is rolled back.
 * After each step, a canary of a tenant other than the one the current context names is a leak.
 *
 * Model-based, but the steps are plain data in an fc.array rather than fc.commands: the
 * commands arbitrary shrinks by which commands ran and keeps that in mutable state on the
 * arbitrary, which the runner shares between concurrent shards and which a replay by seed and
 * path (no execution during the path walk) cannot rebuild. Arrays shrink to a minimal
 * sequence just as well, deterministically. The model is the connection: in a transaction or
 * not, which tenant the context names, canaries echoed from the step's own statement.
 */
/** Who a step is about: the case's attacker or victim (two tenants keep sequences coherent). */
type Who = 'attacker' | 'victim';
type Step =
  | { kind: 'context'; who: Who | 'empty' }
  | { kind: 'read'; read: { target: ReadTarget | null; bulk: boolean; pick: number }; owner: Who }
  | { kind: 'insert' | 'update'; write: WriteTarget; owner: Who; pick: number; tenant: Who };

interface WriteTarget { target: ReadTarget; insert: boolean; update: boolean; tenantColumn: string | null }

function writeTargets(env: AttackEnv): WriteTarget[] {
  const reads = readTargets(env);
  return env.surface.relations
    .filter((r) => r.seeded && r.seeded.ownership.kind !== 'shared' && r.seeded.keyColumns.length > 0 && (r.privileges.has('INSERT') || r.privileges.has('UPDATE')))
    .map((r) => ({ target: reads.find((t) => t.name === r.name) ?? { name: r.name, sql: quoteQualified(r.relation), seeded: r.seeded }, insert: r.privileges.has('INSERT'), update: r.privileges.has('UPDATE'), tenantColumn: r.tenantColumn }));
}

/** An UPDATE moving `owner`'s row to `tenant`, or an INSERT … SELECT copying it there with fresh uuid/text keys. */
function writeSql(env: AttackEnv, step: Extract<Step, { kind: 'insert' | 'update' }>, tenants: Record<Who, number>): string | null {
  const { target, tenantColumn } = step.write;
  const seeded = target.seeded!;
  const key = victimKey(seeded, tenants[step.owner], step.pick);
  if (!key) return null;
  const where = seeded.keyColumns.map((c, i) => `${quoteIdent(c)}::text = ${quoteLiteral(key[i]!)}`).join(' AND ');
  const tenantId = quoteLiteral(env.manifest.tenants[tenants[step.tenant]]!.id);
  if (step.kind === 'update') {
    const column = quoteIdent(tenantColumn ?? seeded.keyColumns[0]!);
    return `UPDATE ${target.sql} SET ${column} = ${tenantColumn ? `COALESCE(${tenantId}, ${column})` : column} WHERE ${where} RETURNING *`;
  }
  const relation = env.surface.byName(target.name)!.relation;
  const columns = relation.columns.filter((c) => !c.generated && c.identity !== 'always' && !(c.identity && seeded.keyColumns.includes(c.name)));
  const values = columns.map((c) => {
    const q = quoteIdent(c.name);
    if (c.name === tenantColumn) return `COALESCE(${tenantId}, ${q})`; // the literal takes the column's type
    if (!seeded.keyColumns.includes(c.name)) return q;
    return c.typeName === 'uuid' ? 'gen_random_uuid()' : c.typeCategory === 'S' ? `${q} || '-copy'` : q;
  });
  return `INSERT INTO ${target.sql} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) SELECT ${values.join(', ')} FROM ${target.sql} WHERE ${where} RETURNING *`;
}

function stepArbitrary(env: AttackEnv): fc.Arbitrary<Step> {
  const who = fc.constantFrom<Who>('attacker', 'victim');
  const writes = writeTargets(env);
  const kinds: fc.WeightedArbitrary<Step>[] = [
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('context' as const), who: fc.constantFrom<Who | 'empty'>('attacker', 'victim', 'empty') }) },
    // A read of no relation in particular is a read of the one written last: where a door may have opened.
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), read: fc.record({ target: fc.option(fc.constantFrom(...readTargets(env)), { nil: null, freq: 2 }), bulk: fc.boolean(), pick: fc.nat() }), owner: who }) },
  ];
  for (const kind of ['update', 'insert'] as const) {
    const usable = writes.filter((w) => w[kind]);
    if (usable.length > 0) kinds.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant(kind), write: fc.constantFrom(...usable), owner: who, pick: fc.nat(), tenant: who }) });
  }
  return fc.oneof(...kinds);
}

/** The step's SQL and, for reads, what the oracle needs to judge rows by key. */
function stepSql(env: AttackEnv, step: Step, tenants: Record<Who, number>, lastWritten: ReadTarget | null): { sql: string; read?: ReturnType<typeof readStatement> & { target: ReadTarget } } | null {
  if (step.kind === 'context') return { sql: env.sessions.contextSql(step.who === 'empty' ? '' : env.contextFor(tenants[step.who])) };
  if (step.kind === 'read') {
    const target = step.read.target ?? lastWritten;
    if (!target) return null;
    const read = readStatement({ ...step.read, target, owner: tenants[step.owner] });
    return { sql: read.sql, read: { ...read, target } };
  }
  const sql = writeSql(env, step, tenants);
  return sql ? { sql } : null;
}

export default defineProbe({
  meta: {
    id: 'attack-sequence',
    title: 'Multi-step attack on one connection',
    description: 'Generates sequences of context changes, reads, inserts and updates on one connection, in one rolled-back transaction, where an earlier statement may open the door for a later one; shrinks a leak to the shortest sequence.',
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
      const tenants: Record<Who, number> = { attacker: c.attacker, victim: c.victim };
      let open: Attempt | null = null;
      let named: number | null = null;
      let lastWritten: ReadTarget | null = null;
      for (const [i, step] of c.steps.entries()) {
        const made = stepSql(env, step, tenants, lastWritten);
        if (!made) continue;
        const head = open ? [] : ['BEGIN', ...(env.sessions.directLogin ? [] : [env.sessions.roleSql])];
        if (!open) attempts.push((open = { context: null, statements: [] }));
        open.statements.push(made.sql);
        const raw = await query([...head, made.sql].join(';\n'));
        const outcome = raw.error ? raw : { ...raw, results: raw.results.slice(head.length) };
        outcomes.push(outcome);
        if (step.kind === 'context' && !outcome.error) named = step.who === 'empty' ? null : tenants[step.who];
        if (step.kind === 'insert' || step.kind === 'update') lastWritten = step.write.target;
        const what = (victim: number, rows: number) => `step ${i + 1} of ${c.steps.length} (${step.kind}), with the context naming ${named === null ? 'no tenant' : `tenant #${named}`}, received ${rows} row(s) carrying data of tenant #${victim}`;
        leak = made.read ? judgeRead(env, outcome, made.read, named, made.sql, what) : firstLeak(env, outcome, named, made.sql, step, what);
        if (leak) break;
        if (outcome.error) [open, named] = [null, null]; // the error rolled the transaction back, and the local context with it
      }
      if (open && !leak) await query('ROLLBACK');
    }, { fresh: c.fresh });
    return { attempts, outcomes, leak };
  },
});

/** Canaries of other tenants in the output of a context or write step (RETURNING rows, errors). */
function firstLeak(env: AttackEnv, outcome: AttemptOutcome, named: number | null, sent: string, step: Step, what: (victim: number, rows: number) => string): Leak | null {
  const hits = leakedCanaries(env, outcome, named, sent);
  if (hits.length === 0) return null;
  return {
    what: what(hits[0]!.tenantIndex, outcome.results[0]?.rows.length ?? 0),
    target: step.kind === 'insert' || step.kind === 'update' ? step.write.target.name : env.tenancy.context.kind === 'setting' ? env.tenancy.context.setting : 'context',
    canaries: [...new Set(hits.map((h) => h.canary))].slice(0, 5),
    excerpt: excerptAround(receivedText(outcome), hits[0]!.canary),
    victim: hits[0]!.tenantIndex,
  };
}
