import type { Column } from '../catalog/snapshot.ts';
import type { ColumnRules } from './checks.ts';
import { kindOf, type KindInfo } from './column-kind.ts';
import type { PartitionDomain } from './partitions.ts';
import { pick, type ValuePools } from './pools.ts';
import { textMaker } from './text-values.ts';
import { temporalMaker } from './temporal.ts';

/**
 * Value generators: one closure per column, made once per table, called once per row. They
 * return the value in COPY text form (`\N` for NULL) and, for numbers and times, leave the
 * numeric value in `state.raw` so a later column can be ordered after it (`a < b` checks).
 */

/** What a generator knows about the row being made. */
export interface RowState {
  /** Owning tenant index, or -1 for a shared row. */
  owner: number;
  /** 1-based row number within the table (unique per table: the source of unique plain values). */
  ordinal: number;
  /** 0-based row number within the owner's group. */
  groupRow: number;
  /** Numeric value of the last number/time generated. */
  raw: number;
  /** Numeric values of this row's generated slots so far, by slot index. */
  nums: number[];
  rand: () => number;
  /** The next canary token / UUID of the owner (only called on owned rows). */
  token: () => string;
  uuid: () => string;
  /** A unique, non-canary UUID for shared rows. */
  plainUuid: () => string;
}

/** A column's generator. */
export type ColumnGenerator = (state: RowState) => string;

/** A generator and what it means for the manifest. */
export interface GeneratorPlan {
  generate: ColumnGenerator;
  /** Every value of an owned row is a canary of its owner. */
  canary: boolean;
  /** Why owned values are not canaries (for `plainColumns`). */
  plainReason: string | null;
  kind: KindInfo;
}

/** What shapes a column's values besides its type. */
export interface ColumnNeeds {
  table: string;
  owned: boolean;
  /** Values must be unique within the table. */
  unique: boolean;
  rules: ColumnRules | undefined;
  partition: PartitionDomain | null;
  /** For enum/list columns in a unique key: cycle through the values by group row. */
  cycleDomain: boolean;
}

const CANARY_LENGTH = 11;

/** Makes the generator of a column, or explains why none can be made. */
export function makeGenerator(pools: ValuePools, column: Column, needs: ColumnNeeds): GeneratorPlan | { problem: string } {
  const kind = kindOf(column);
  const rules = needs.rules;
  const excluded = new Set(rules?.excluded ?? []);
  const listed = needs.partition?.kind === 'list' ? needs.partition.values : (rules?.allowed ?? (kind.kind === 'enum' ? column.enumValues! : null));
  if (listed) {
    const values = listed.filter((v) => !excluded.has(v) && (column.enumValues === null || column.enumValues.includes(v)));
    if (values.length === 0) return { problem: `column ${column.name}: no allowed value is left by its checks` };
    const reason = needs.partition?.kind === 'list' ? 'partition key: LIST values' : kind.kind === 'enum' ? `enum ${column.typeName}` : 'CHECK lists its values';
    const generate: ColumnGenerator = needs.cycleDomain
      ? (s) => values[s.groupRow % values.length]!
      : (s) => pick(s.rand, values);
    return { generate, canary: false, plainReason: reason, kind };
  }
  const plain = (generate: ColumnGenerator, reason: string): GeneratorPlan => ({ generate, canary: false, plainReason: reason, kind });
  switch (kind.kind) {
    case 'text': {
      const max = Math.min(kind.maxLength ?? Infinity, rules?.maxLength ?? Infinity);
      const canCanary = needs.owned && max >= CANARY_LENGTH;
      const make = textMaker(pools, column.name, needs.table, rules, kind.maxLength);
      if (!make) return { problem: `column ${column.name}: no generated text satisfies its checks` };
      if (canCanary) {
        return { generate: (s) => make(s.rand, s.token(), null), canary: true, plainReason: null, kind };
      }
      const reason = needs.owned ? `${column.type} is shorter than a canary token` : 'shared row';
      if (needs.unique) {
        if (max < 8 && 36 ** max < 1e6) return plain((s) => s.ordinal.toString(36).padStart(max, '0'), reason);
        return plain((s) => make(s.rand, null, s.ordinal), reason);
      }
      return plain((s) => make(s.rand, null, null), reason);
    }
    case 'uuid':
      return needs.owned
        ? { generate: (s) => s.uuid(), canary: true, plainReason: null, kind }
        : plain((s) => s.plainUuid(), 'shared row');
    case 'json': {
      const make = textMaker(pools, 'note', needs.table, undefined, null)!;
      return needs.owned
        ? { generate: (s) => `{"note": "${make(s.rand, s.token(), null)}"}`, canary: true, plainReason: null, kind }
        : plain((s) => `{"note": "${make(s.rand, null, null)}"}`, 'shared row');
    }
    case 'text-array':
      return needs.owned
        ? { generate: (s) => `{${pick(s.rand, pools.slugs)}-${s.token()},${pick(s.rand, pools.slugs)}}`, canary: true, plainReason: null, kind }
        : plain((s) => `{${pick(s.rand, pools.slugs)},${pick(s.rand, pools.slugs)}}`, 'shared row');
    case 'uuid-array':
      return needs.owned
        ? { generate: (s) => `{${s.uuid()}}`, canary: true, plainReason: null, kind }
        : plain((s) => `{${s.plainUuid()}}`, 'shared row');
    case 'int':
    case 'numeric':
    case 'float':
      return plain(numberMaker(kind, column.name, needs), `${column.type} cannot hold a canary`);
    case 'bool':
      return plain((s) => (s.rand() < 0.5 ? 't' : 'f'), 'boolean cannot hold a canary');
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'interval':
      return plain(temporalMaker(kind.kind, needs), `${column.type} cannot hold a canary`);
    case 'int-array':
      return plain((s) => `{${1 + Math.floor(s.rand() * 100)},${1 + Math.floor(s.rand() * 100)}}`, `${column.type} cannot hold a canary`);
    case 'bytea':
      // `\x` hex input; the backslash is doubled for COPY text.
      return plain((s) => `\\\\x${((s.rand() * 0xffffffff) >>> 0).toString(16).padStart(8, '0')}`, 'bytea holds no text canary');
    case 'inet':
      return plain((s) => ipOf(s.ordinal), 'inet cannot hold a canary');
    case 'cidr':
      return plain((s) => `${ipOf(s.ordinal).replace(/\.\d+$/, '.0')}/24`, 'cidr cannot hold a canary');
    case 'macaddr':
      return plain((s) => macOf(s.ordinal), 'macaddr cannot hold a canary');
    case 'tsvector':
      return plain((s) => `${pick(s.rand, pools.slugs)} ${pick(s.rand, pools.slugs)}`, 'tsvector: plain words');
    default:
      return { problem: `column ${column.name}: type ${column.type} is not generated` };
  }
}

function ipOf(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function macOf(n: number): string {
  const hex = n.toString(16).padStart(8, '0');
  return `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/** Numbers within the type's and the checks' bounds; unique ones count up from the lower bound. */
function numberMaker(kind: KindInfo, name: string, needs: ColumnNeeds): ColumnGenerator {
  const rules = needs.rules;
  const integral = kind.kind === 'int' || kind.scale === 0;
  const step = integral ? 1 : 0.01;
  let lo = Math.max(kind.min ?? -1e12, rules?.min !== undefined ? rules.min + (rules.minExclusive ? step : 0) : -Infinity);
  let hi = Math.min(kind.max ?? 1e12, rules?.max !== undefined ? rules.max - (rules.maxExclusive ? step : 0) : Infinity);
  if (needs.partition?.kind === 'ranges') {
    // Rows spread over every partition: each row picks a range, then a value inside it.
    const ranges = needs.partition.ranges.map(([from, to]): [number, number] => [
      Math.max(lo, from === null ? lo : Number(from)),
      Math.min(hi, to === null ? hi : Number(to) - step),
    ]).filter(([a, b]) => a <= b);
    if (ranges.length > 0) {
      return (s) => {
        const [a, b] = pick(s.rand, ranges);
        const v = integral ? Math.floor(a + s.rand() * (b - a + 1)) : a + Math.floor(s.rand() * ((b - a) / step)) * step;
        s.raw = Math.min(v, b);
        return formatNumber(s.raw, integral, kind.scale);
      };
    }
  }
  // A realistic default span when the checks leave it open: amounts up to 1,000.
  const spanLo = rules?.min !== undefined || needs.partition ? lo : Math.max(lo, /amount|price|total|cost|balance/.test(name) ? 0 : 1);
  const spanHi = Math.min(hi, Math.max(spanLo + 1000 * step * (integral ? 1 : 100), spanLo));
  const excluded = new Set((rules?.excluded ?? []).map(Number));
  const format = (n: number): string => formatNumber(n, integral, kind.scale);
  if (needs.unique) {
    const start = Math.max(lo, 1 > hi ? lo : Math.min(1, hi));
    return (s) => {
      let v = start + s.ordinal - 1;
      while (excluded.has(v)) v += 1;
      s.raw = v;
      return format(v);
    };
  }
  return (s) => {
    let v = spanLo + s.rand() * (spanHi - spanLo);
    v = integral ? Math.floor(v) : Math.round(v * 100) / 100;
    if (excluded.has(v)) v = v + step <= hi ? v + step : v - step;
    s.raw = v;
    return format(v);
  };
}

/** COPY text of a number: integers exactly, others with the column's scale. */
export function formatNumber(n: number, integral: boolean, scale: number | undefined): string {
  // Floats (no scale) in the shortest form, which is also how Postgres prints them back.
  if (integral) return String(Math.round(n));
  return scale === undefined ? String(Math.round(n * 100) / 100) : n.toFixed(scale);
}
