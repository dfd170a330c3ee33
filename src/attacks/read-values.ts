import type { SeededTable } from '../core/manifest.ts';
import type { AttackEnv } from './probe.ts';

/**
 * Values the read probes aim with: what an attacker could know or guess of another tenant
 * (its id, its users, keys of its rows), and patterns matching any of its canaries. All text
 * forms: probes compare `column::text`, so no value can fail a cast and be echoed in an error.
 */

/** The victim's tenant id and user ids. */
export function tenantValues(env: AttackEnv, victim: number): string[] {
  const tenant = env.manifest.tenants[victim];
  return tenant ? [tenant.id, ...(tenant.users ?? [])] : [];
}

/** Every component of the victim's row keys in `table`, or only those of `column` when it is a key column. */
export function keyValues(table: SeededTable, victim: number, column?: string): string[] {
  const keys = table.keys.get(victim) ?? [];
  const at = column === undefined ? -1 : table.keyColumns.indexOf(column);
  return at >= 0 ? keys.map((k) => k[at]!) : keys.flat();
}

/** Every key component of the victim's rows across all seeded tables (for function arguments). */
export function allKeyValues(env: AttackEnv, victim: number): string[] {
  return [...new Set(env.manifest.tables.flatMap((t) => (t.ownership.kind === 'shared' ? [] : keyValues(t, victim))))];
}

/**
 * LIKE patterns matching every text canary and every UUID canary of `tenant` (see
 * core/canary.ts: `tg<tenant base36 ×3>…` and `<run tag>-<tenant hex ×4>-…`). They select a
 * tenant's rows without knowing any one value, the way a prefix search would.
 */
export function canaryPatterns(env: AttackEnv, tenant: number): string[] {
  return [`%tg${tenant.toString(36).padStart(3, '0')}%`, `${env.codec.runTag}-${tenant.toString(16).padStart(4, '0')}-%`];
}

/** `values[pick % length]`, or null for no values. */
export function pickOf<T>(values: readonly T[], pick: number): T | null {
  return values.length === 0 ? null : values[pick % values.length]!;
}
