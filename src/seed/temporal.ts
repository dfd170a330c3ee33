import type { ValueKind } from './column-kind.ts';
import type { ColumnGenerator, ColumnNeeds } from './generators.ts';
import { pick } from './pools.ts';

/**
 * Dates and times: spread over two years from 2024-01-01 (UTC), or inside the partitions'
 * RANGE bounds when the column is a partition key. `state.raw` holds epoch milliseconds (or
 * seconds for `interval`) so a later column can be ordered after this one.
 */

const BASE = Date.UTC(2024, 0, 1);
const SPAN = 730 * 86_400_000;
const DAY = 86_400_000;

/** Epoch milliseconds of a bound literal such as `2024-01-01` or `2024-01-01 00:00:00+00`. */
export function parseTimeLiteral(text: string): number {
  let s = text.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  else if (/[+-]\d{2}$/.test(s)) s += ':00';
  else if (!/(Z|[+-]\d{2}:\d{2})$/.test(s)) s += 'Z';
  return Date.parse(s);
}

/** COPY text of a time value of `kind` from its raw number. */
export function formatTemporal(kind: ValueKind, raw: number): string {
  if (kind === 'interval') return `${Math.round(raw)} seconds`;
  const iso = new Date(raw).toISOString();
  switch (kind) {
    case 'date':
      return iso.slice(0, 10);
    case 'time':
      return iso.slice(11, 19);
    case 'timestamp':
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    default:
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`;
  }
}

/** The generator of a date/time column. */
export function temporalMaker(kind: ValueKind, needs: ColumnNeeds): ColumnGenerator {
  if (kind === 'interval') {
    return (s) => {
      s.raw = 60 * Math.floor(1 + s.rand() * 10_000);
      return formatTemporal(kind, s.raw);
    };
  }
  const unit = kind === 'date' ? DAY : 1000;
  const ranges =
    needs.partition?.kind === 'ranges'
      ? needs.partition.ranges.map(([from, to]): [number, number] => {
          const lo = from === null ? BASE - SPAN : parseTimeLiteral(from);
          const hi = to === null ? lo + SPAN : parseTimeLiteral(to);
          return [lo, hi];
        }).filter(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)
      : [];
  if (needs.unique && ranges.length === 0) {
    // Unique times count up by one unit per row: distinct, and still near the base date.
    return (s) => {
      s.raw = BASE + s.ordinal * unit;
      return formatTemporal(kind, s.raw);
    };
  }
  if (ranges.length > 0) {
    return (s) => {
      const [lo, hi] = pick(s.rand, ranges);
      // Whole units, so a date never rounds up past the range's exclusive end.
      s.raw = lo + Math.floor((s.rand() * (hi - lo)) / unit) * unit;
      return formatTemporal(kind, s.raw);
    };
  }
  return (s) => {
    s.raw = BASE + Math.floor((s.rand() * SPAN) / unit) * unit;
    return formatTemporal(kind, s.raw);
  };
}
