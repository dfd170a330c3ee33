import * as fc from 'fast-check';
import type { HttpTarget } from '../target.ts';

/** Two different tenants, attacker first; null with fewer than two tenants. */
export function tenantPair(target: HttpTarget): fc.Arbitrary<{ attacker: number; victim: number }> | null {
  const n = target.tenants.length;
  if (n < 2) return null;
  return fc.tuple(fc.nat(n - 1), fc.nat(n - 2)).map(([attacker, offset]) => ({ attacker, victim: (attacker + 1 + offset) % n }));
}

/** A list route and an id route per resource, for reads that should only show the token's tenant. */
export const readRoutes = ['/projects', '/invoices', '/reports/summary', '/search/documents?q=tg'] as const;
