import type { CanaryHit } from '../core/canary.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { Attempt, AttemptOutcome } from '../db/app-session.ts';
import { excerptAround, foreignCanaries, receivedText } from './oracle.ts';
import type { AttackEnv, Leak, ProbeRun } from './probe.ts';
import type { SurfaceRelation } from './surface.ts';
import { baselineState, stateFrom, victimRowsSql, victimStateSql } from './write-state.ts';

/**
 * The shared judgement of the write probes: run the statements as the attacker with the
 * victim's state read by the admin afterwards in the same transaction, and call it a leak when
 * the victim's rows changed (count or checksum) or when what came back carries other tenants'
 * canaries the attacker did not send itself.
 */

/** A surface relation backed by a seeded, tenant-owned table, with the privileges `all` of `privileges`. */
export function writeTargets(env: AttackEnv, privileges: readonly string[], extra: (r: SurfaceRelation) => boolean = () => true): SurfaceRelation[] {
  return env.surface.relations.filter(
    (r) =>
      r.seeded !== null &&
      r.seeded.ownership.kind !== 'shared' &&
      [...r.seeded.keys.keys()].filter((k) => k >= 0 && (r.seeded!.keys.get(k)?.length ?? 0) > 0).length >= 2 &&
      privileges.every((p) => r.privileges.has(p)) &&
      extra(r),
  );
}

/** Foreign canaries in what came back, leaving out those the attacker put in its own statements. */
export function canariesBeyond(outcome: AttemptOutcome, env: AttackEnv, attacker: number, statements: readonly string[]): CanaryHit[] {
  const sent = statements.join('\n').toLowerCase();
  return foreignCanaries(outcome, env.codec, attacker).filter((hit) => !sent.includes(hit.canary.toLowerCase()));
}

/**
 * The victim's rows that differ between before and after (as text), by running the attempt
 * once more with the full row list read by the admin. Only on a leak: the list can be large.
 */
async function touchedRows(env: AttackEnv, attempt: Attempt, table: SeededTable, victim: number): Promise<string[]> {
  const rowsSql = victimRowsSql(env, table, victim);
  const [base, again] = await Promise.all([
    env.sessions.run({ context: null, statements: [], verify: [rowsSql] }),
    env.sessions.run({ ...attempt, verify: [rowsSql] }),
  ]);
  const before = new Set((base.verify[0]?.rows ?? []).map((r) => String(r['r'])));
  const after = new Set((again.verify[0]?.rows ?? []).map((r) => String(r['r'])));
  return [...[...before].filter((r) => !after.has(r)), ...[...after].filter((r) => !before.has(r))];
}

/** What one write case did, for the finding's one-line message. */
export interface WriteCase {
  attacker: number;
  victim: number;
  /** e.g. `deleted by key with RETURNING`. */
  how: string;
}

/**
 * Runs `statements` as the attacker and judges the effect on the victim's rows of `table`.
 * `target` names the relation written (it can differ from the seeded table, e.g. a partition).
 */
export async function judgeWrite(env: AttackEnv, c: WriteCase, table: SeededTable, target: string, statements: string[]): Promise<ProbeRun> {
  const before = await baselineState(env, table, c.victim);
  const attempt: Attempt = { context: env.contextFor(c.attacker), statements, verify: [victimStateSql(env, table, c.victim)] };
  const outcome = await env.sessions.run(attempt);
  const after = outcome.error ? null : stateFrom(outcome);
  const hits = canariesBeyond(outcome, env, c.attacker, statements);
  const changed = after !== null && (after.rows !== before.rows || after.checksum !== before.checksum);
  let leak: Leak | null = null;
  if (changed) {
    // Which of the victim's rows appeared, vanished or changed: their canaries are the evidence.
    const touched = await touchedRows(env, attempt, table, c.victim);
    const victimCanaries = env.codec.scan(touched.join('\n')).filter((h) => h.tenantIndex === c.victim);
    const delta = after.rows === before.rows ? `${after.rows} row(s), content changed` : `${before.rows} → ${after.rows} row(s)`;
    leak = {
      what: `tenant #${c.attacker} changed rows of tenant #${c.victim} in ${target} (${c.how}): ${delta}`,
      target,
      canaries: [...new Set([...hits.filter((h) => h.tenantIndex === c.victim), ...victimCanaries].map((h) => h.canary))].slice(0, 5),
      excerpt: `tenant #${c.victim} in ${table.table.schema}.${table.table.name}: ${before.rows} row(s) md5 ${before.checksum.slice(0, 8)} before, ${after.rows} row(s) md5 ${after.checksum.slice(0, 8)} after; touched: ${touched[0]?.slice(0, 160) ?? '?'}`,
      victim: c.victim,
    };
  } else if (hits.length > 0) {
    const hit = hits[0]!;
    leak = {
      what: `tenant #${c.attacker} received data of tenant #${hit.tenantIndex} from ${target} (${c.how})`,
      target,
      canaries: [...new Set(hits.map((h) => h.canary))].slice(0, 5),
      excerpt: excerptAround(receivedText(outcome), hit.canary),
      victim: hit.tenantIndex,
    };
  }
  return { attempts: [attempt], outcomes: [outcome], leak };
}
