import * as fc from 'fast-check';
import type { SeededTable } from '../core/manifest.ts';
import type { AttackEnv } from './probe.ts';

/** Two distinct tenants: who attacks and whose data is the target. */
export function attackerAndVictim(env: AttackEnv): fc.Arbitrary<{ attacker: number; victim: number }> {
  const n = env.manifest.tenants.length;
  return fc
    .tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 2 }))
    .map(([attacker, offset]) => ({ attacker, victim: (attacker + 1 + offset) % n }));
}

/** A key of a row owned by `victim` in a seeded table, picked by `pick` (any natural number). */
export function victimKey(table: SeededTable, victim: number, pick: number): string[] | null {
  const keys = table.keys.get(victim);
  if (!keys || keys.length === 0) return null;
  return keys[pick % keys.length]!;
}

/** Relations the app can read that may hold tenant data (shared reference tables can never leak). */
export function readableTenantData(env: AttackEnv): AttackEnv['surface']['readable'] {
  return env.surface.readable.filter((r) => r.relation.columns.length > 0 && r.seeded?.ownership.kind !== 'shared');
}
