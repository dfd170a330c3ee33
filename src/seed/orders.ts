import type { ColumnOrder } from './checks.ts';
import { kindOf } from './column-kind.ts';
import { formatNumber } from './generators.ts';
import type { Slot } from './plan.ts';
import { formatTemporal } from './temporal.ts';

/**
 * `CHECK (starts_at < ends_at)` and the like: the upper column is made from the lower one
 * plus a positive step, so the pair is ordered on every row. Only pairs of generated numbers
 * or date/times are handled; other pairs are left to the server (and reported if refused).
 *
 * Returns the order in which to call the generated slots: lower columns before the columns
 * derived from them.
 */
export function applyOrders(slots: Slot[], orders: ColumnOrder[]): number[] {
  const uppers = new Set<number>();
  for (const order of orders) {
    const lower = slots.findIndex((s) => s.column.name === order.lower && s.source === 'generated');
    const upper = slots.findIndex((s) => s.column.name === order.upper && s.source === 'generated');
    if (lower < 0 || upper < 0 || uppers.has(lower)) continue;
    const lowerKind = kindOf(slots[lower]!.column);
    const upperKind = kindOf(slots[upper]!.column);
    const temporal = ['date', 'timestamp', 'timestamptz'];
    const numeric = ['int', 'numeric', 'float'];
    const slot = slots[upper]!;
    if (temporal.includes(lowerKind.kind) && temporal.includes(upperKind.kind)) {
      // Hours to a month later; whole days for dates so the step never rounds away.
      const unit = upperKind.kind === 'date' || lowerKind.kind === 'date' ? 86_400_000 : 3_600_000;
      slot.generate = (s) => {
        s.raw = s.nums[lower]! + unit * (1 + Math.floor(s.rand() * (unit === 86_400_000 ? 30 : 720)));
        return formatTemporal(upperKind.kind, s.raw);
      };
    } else if (numeric.includes(lowerKind.kind) && numeric.includes(upperKind.kind)) {
      const integral = upperKind.kind === 'int' || upperKind.scale === 0;
      slot.generate = (s) => {
        s.raw = s.nums[lower]! + (integral ? 1 + Math.floor(s.rand() * 100) : 0.01 + Math.round(s.rand() * 10_000) / 100);
        return formatNumber(s.raw, integral, upperKind.scale);
      };
    } else continue;
    uppers.add(upper);
  }
  const generated = slots.map((s, i) => (s.source === 'generated' ? i : -1)).filter((i) => i >= 0);
  return [...generated.filter((i) => !uppers.has(i)), ...generated.filter((i) => uppers.has(i))];
}
