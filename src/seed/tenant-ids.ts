import type { Column } from '../catalog/snapshot.ts';
import type { CanaryCodec } from '../core/canary.ts';
import { tableRules } from './checks.ts';
import type { Classification } from './classify.ts';
import { kindOf } from './column-kind.ts';
import type { ValuePools } from './pools.ts';
import { textMaker } from './text-values.ts';

/**
 * Tenant ids, deterministic for the run seed: UUID canaries for uuid ids (counter 0 of each
 * tenant is reserved for its id), `1..N` for integer ids, and token-bearing slugs for text ids
 * (`acme-tg00a00000x`), so a tenant id seen anywhere names its tenant too.
 */
export interface TenantIds {
  ids: string[];
  /** The ids decode to their tenants (uuid and text ids). */
  canaries: boolean;
}

/** Makes the ids of `count` tenants for the tenant id column's type. */
export function makeTenantIds(classification: Classification, codec: CanaryCodec, pools: ValuePools, count: number): TenantIds {
  const column: Column | null = classification.tenantIdColumn;
  const kind = column ? kindOf(column) : null;
  const indexes = Array.from({ length: count }, (_, i) => i);
  if (kind?.kind === 'uuid') return { ids: indexes.map((i) => codec.uuid(i, 0)), canaries: true };
  if (kind?.kind === 'text' && column) {
    const table = classification.registry?.relation ?? null;
    const rules = table ? tableRules(table).columns.get(column.name) : undefined;
    const make = textMaker(pools, 'slug', table?.name ?? 'tenants', rules, kind.maxLength);
    const max = Math.min(kind.maxLength ?? Infinity, rules?.maxLength ?? Infinity);
    if (make && max >= 11) {
      // A fixed draw per tenant: the ids must not depend on how many tables come after.
      return { ids: indexes.map((i) => make(() => ((i * 0.618034) % 1), codec.token(i, 0), null)), canaries: true };
    }
    return { ids: indexes.map((i) => `t${i + 1}`), canaries: false };
  }
  return { ids: indexes.map((i) => String(i + 1)), canaries: false };
}
