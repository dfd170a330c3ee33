import * as fc from 'fast-check';
import type { CanaryHit } from '../core/canary.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { Attempt, AttemptOutcome } from '../db/app-session.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import { victimKey } from './arbitraries.ts';
import { excerptAround, receivedText } from './oracle.ts';
import type { AttackEnv, Leak } from './probe.ts';

/**
 * Shared by the context and sequence probes (context-missing-or-hostile, context-pool-reuse,
 * role-switch, attack-sequence): requests sent on one held connection exactly as a
 * reproduction frames them, reads over every relation that may hold tenant data, and the
 * oracle's verdict against the tenant the database actually sees.
 */

/** A query on a connection held with `env.sessions.withConnection`. */
export type HeldQuery = (sql: string) => Promise<AttemptOutcome>;

/** A relation that may hold tenant data, as an attack target. */
export interface ReadTarget {
  /** `schema.name`. */
  name: string;
  /** Quoted, for SQL text. */
  sql: string;
  seeded: SeededTable | null;
}

/**
 * Every readable relation of the surface except seeded shared reference data (reading that is
 * never a leak); views, partitions and other unseeded relations stay in: they may expose
 * tenant rows nobody seeded there directly.
 */
export function readTargets(env: AttackEnv): ReadTarget[] {
  return env.surface.readable
    .filter((r) => r.seeded?.ownership.kind !== 'shared')
    .map((r) => ({ name: r.name, sql: quoteQualified(r.relation), seeded: r.seeded }));
}

/** One read: by a key of `owner`'s row (when the relation has seeded keys) or the first 50 rows. */
export interface ReadPlan {
  target: ReadTarget;
  bulk: boolean;
  owner: number;
  pick: number;
}

/** A read plan over `targets`, with the key owner decided later (see {@link readStatement}). */
export function readPlan(targets: readonly ReadTarget[]): fc.Arbitrary<Omit<ReadPlan, 'owner'>> {
  return fc.record({ target: fc.constantFrom(...targets), bulk: fc.boolean(), pick: fc.nat() });
}

/** The SQL of a read, and the key it asked for (null for a bulk read or a relation without keys). */
export function readStatement(plan: ReadPlan): { sql: string; key: string[] | null } {
  const seeded = plan.target.seeded;
  const key = !plan.bulk && seeded && seeded.keyColumns.length > 0 ? victimKey(seeded, plan.owner, plan.pick) : null;
  if (!key) return { sql: `SELECT * FROM ${plan.target.sql} LIMIT 50`, key: null };
  const where = seeded!.keyColumns.map((column, i) => `${quoteIdent(column)}::text = ${quoteLiteral(key[i]!)}`).join(' AND ');
  return { sql: `SELECT * FROM ${plan.target.sql} WHERE ${where}`, key };
}

/**
 * Sends an attempt on a held connection with the same framing as `sessions.run` and as the
 * reproduction script (`BEGIN; [SET LOCAL ROLE app;] [context;] statements; ROLLBACK`), so
 * the script replays exactly what ran. Statements may end the transaction themselves (a
 * `COMMIT` after reads only) to model a request that committed; nothing written is ever
 * committed.
 */
export async function sendAttempt(env: AttackEnv, query: HeldQuery, attempt: Attempt): Promise<AttemptOutcome> {
  const head = ['BEGIN', ...(env.sessions.directLogin ? [] : [env.sessions.roleSql]), ...(attempt.context === null ? [] : [env.sessions.contextSql(attempt.context)])];
  const outcome = await query([...head, ...attempt.statements, 'ROLLBACK'].join(';\n'));
  if (outcome.error) return outcome;
  return { ...outcome, results: outcome.results.slice(head.length, head.length + attempt.statements.length) };
}

/**
 * Canaries in what was received that belong to a tenant other than `allowed` (null: the
 * request named no tenant, so every canary counts), leaving out canaries the attacker sent
 * itself (an echo of its own statement or context in an error is not a leak).
 */
export function leakedCanaries(env: AttackEnv, outcome: AttemptOutcome, allowed: number | null, sent: string): CanaryHit[] {
  const own = sent.toLowerCase();
  return env.codec.scan(receivedText(outcome)).filter((hit) => hit.tenantIndex !== allowed && !own.includes(hit.canary.toLowerCase()));
}

/** The tenant owning a seeded key, by the manifest (undefined when unknown or shared). */
export function ownerOfKey(seeded: SeededTable, key: readonly string[]): number | undefined {
  for (const [owner, keys] of seeded.keys) {
    if (owner >= 0 && keys.some((k) => k.length === key.length && k.every((v, i) => v === key[i]))) return owner;
  }
  return undefined;
}

/**
 * The verdict on one read: foreign canaries, or (when every canary of the row was in the
 * key the attacker sent) rows returned for a key the manifest gives to another tenant.
 */
export function judgeRead(env: AttackEnv, outcome: AttemptOutcome, read: { sql: string; key: string[] | null; target: ReadTarget }, allowed: number | null, sent: string, what: (victim: number, rows: number) => string): Leak | null {
  const hits = leakedCanaries(env, outcome, allowed, sent);
  const rows = outcome.results.findLast((r) => r.command === 'SELECT')?.rows.length ?? 0;
  const keyOwner = read.key && read.target.seeded ? ownerOfKey(read.target.seeded, read.key) : undefined;
  const byKey = read.key !== null && rows > 0 && keyOwner !== undefined && keyOwner !== allowed;
  if (hits.length === 0 && !byKey) return null;
  // A row returned for another tenant's key: its canaries are evidence even where the key sent them.
  const shown = hits.length > 0 ? hits : env.codec.scan(receivedText(outcome)).filter((hit) => hit.tenantIndex !== allowed);
  const victim = hits[0]?.tenantIndex ?? keyOwner!;
  return {
    what: what(victim, rows),
    target: read.target.name,
    canaries: [...new Set(shown.map((h) => h.canary))].slice(0, 5),
    excerpt: shown[0] ? excerptAround(receivedText(outcome), shown[0].canary) : `${rows} row(s) for key (${read.target.seeded!.keyColumns.join(', ')}) = (${read.key!.join(', ')})`,
    victim,
  };
}
