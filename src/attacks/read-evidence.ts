import type { CanaryHit } from '../core/canary.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import { excerptAround } from './oracle.ts';
import type { AttackEnv, Leak } from './probe.ts';

/**
 * Evidence for the read probes (DESIGN §4): what the attacker received, judged against the
 * canaries and the manifest's keys, never against the policies.
 */

/** The column a read probe adds to carry a row's key (text form, joined by `|`). */
export const keyAlias = 'tenantguard_key';
/** The column a read probe adds to carry a row's tenant column (text form). */
export const tenantAlias = 'tenantguard_tenant';

/** Options of {@link canaryLeak}. */
export interface CanaryLeakOptions {
  attacker: number;
  /** `schema.name` of the relation or function the data came through. */
  target: string;
  /**
   * The SQL the attacker sent. A canary it contains and the server repeats in an error or a
   * notice (`invalid input syntax: "<value>"`) is the attacker's own words, not a leak.
   */
  sent: string;
  /** Rows may repeat what was sent (function results): sent canaries then never count in rows either. */
  rowsEcho?: boolean;
  /** The leak's one-line description, given the victim and how many rows came back. */
  what(victim: number, rows: number): string;
}

/** Foreign canaries in what the attacker received, leaving out the ones it sent itself where they may be echoed. */
export function receivedForeign(env: AttackEnv, outcomes: readonly AttemptOutcome[], options: Omit<CanaryLeakOptions, 'target' | 'what'>): { hits: CanaryHit[]; text: string } {
  const sent = new Set(env.codec.scan(options.sent).map((h) => h.canary));
  const rowText = outcomes.flatMap((o) => o.results.filter((r) => r.rows.length > 0).map((r) => JSON.stringify(r.rows))).join('\n');
  const otherText = outcomes.flatMap((o) => [o.error?.message, o.error?.detail, o.error?.hint, o.error?.where, ...o.notices]).filter(Boolean).join('\n');
  const hits = [
    ...env.codec.scan(rowText).filter((h) => !options.rowsEcho || !sent.has(h.canary)),
    ...env.codec.scan(otherText).filter((h) => !sent.has(h.canary)),
  ].filter((h) => h.tenantIndex !== options.attacker);
  return { hits, text: `${rowText}\n${otherText}` };
}

/** A leak when the attacker received canaries of another tenant, else null. */
export function canaryLeak(env: AttackEnv, outcomes: readonly AttemptOutcome[], options: CanaryLeakOptions): Leak | null {
  const { hits, text } = receivedForeign(env, outcomes, options);
  if (hits.length === 0) return null;
  const victim = hits[0]!.tenantIndex;
  const rows = outcomes.reduce((n, o) => n + o.results.reduce((m, r) => m + r.rows.length, 0), 0);
  return {
    what: options.what(victim, rows),
    target: options.target,
    canaries: [...new Set(hits.filter((h) => h.tenantIndex === victim).map((h) => h.canary))].slice(0, 5),
    excerpt: excerptAround(text, hits[0]!.canary),
    victim,
  };
}

/** Every other tenant's row keys of a seeded table, as `a|b` strings, mapped to their owner. */
export function foreignKeys(table: SeededTable, attacker: number): Map<string, number> {
  const owners = new Map<string, number>();
  for (const [tenant, keys] of table.keys) {
    if (tenant < 0 || tenant === attacker) continue;
    for (const key of keys) owners.set(key.join('|'), tenant);
  }
  return owners;
}

/** The first returned row whose {@link keyAlias} column is another tenant's key: `[victim, key]`, else null. */
export function foreignKeyRow(rows: readonly Record<string, unknown>[], table: SeededTable, attacker: number): [number, string] | null {
  if (table.ownership.kind === 'shared' || !rows.some((r) => keyAlias in r)) return null;
  const owners = foreignKeys(table, attacker);
  for (const row of rows) {
    const key = String(row[keyAlias]);
    const owner = owners.get(key);
    if (owner !== undefined) return [owner, key];
  }
  return null;
}

/** The first returned row whose {@link tenantAlias} column is another tenant's id: `[victim, id]`, else null. */
export function foreignTenantRow(env: AttackEnv, rows: readonly Record<string, unknown>[], attacker: number): [number, string] | null {
  const ids = new Map(env.manifest.tenants.filter((t) => t.index !== attacker).map((t) => [t.id, t.index]));
  for (const row of rows) {
    const value = row[tenantAlias];
    const owner = value === null || value === undefined ? undefined : ids.get(String(value));
    if (owner !== undefined) return [owner, String(value)];
  }
  return null;
}

/** Rows of a seeded table the attacker may legitimately see: its own and the shared ones (and any the manifest does not account for). */
export function visibleRowBound(table: SeededTable, attacker: number): number {
  let listed = 0;
  for (const keys of table.keys.values()) listed += keys.length;
  const own = table.keys.get(attacker)?.length ?? 0;
  const shared = table.keys.get(-1)?.length ?? 0;
  return own + shared + Math.max(0, table.rowCount - listed);
}

/** Audit checks a leak through any read of a relation confirms (the relation's isolation is broken). */
export const readLeakConfirms: readonly string[] = [
  'rls-disabled',
  'rls-not-forced',
  'app-role-bypasses-rls',
  'app-role-owns-tenant-table',
  'policy-does-not-constrain-tenant',
  'permissive-policy-opens-table',
  'view-without-security-invoker',
  'materialized-view-exposes-tenant-data',
  'partition-without-policies',
];
