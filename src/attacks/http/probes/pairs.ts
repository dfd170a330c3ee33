import * as fc from 'fast-check';
import type { HttpRequestSpec } from '../exchange.ts';
import type { HttpTarget } from '../target.ts';
import type { FilledOperation } from '../template.ts';

/** Two different tenants, attacker first; null with fewer than two tenants. */
export function tenantPair(target: HttpTarget): fc.Arbitrary<{ attacker: number; victim: number }> | null {
  const n = target.tenants.length;
  if (n < 2) return null;
  return fc.tuple(fc.nat(n - 1), fc.nat(n - 2)).map(([attacker, offset]) => ({ attacker, victim: (attacker + 1 + offset) % n }));
}

/** A filled operation as a request of `tenant` carrying `auth` (and maybe other headers). */
export function specOf(op: FilledOperation, auth: Record<string, string>, tenant: number, headers?: Record<string, string>): HttpRequestSpec {
  return { method: op.method, path: op.path, route: op.route, auth, tenant, ...(op.body !== undefined ? { body: op.body } : {}), ...(headers ? { headers } : {}) };
}

/** The `pick`-th of a list, cycling; undefined when empty. */
export function pickOf<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[pick % items.length];
}
