import type { Column } from '../catalog/snapshot.ts';

/**
 * What kind of value a column takes, from its type (or its domain's base type). The seeder
 * knows how to make each kind; `unknown` columns are left NULL or to their default, or
 * reported when neither is allowed.
 */

/** Kinds of generated values. */
export type ValueKind =
  | 'text'
  | 'uuid'
  | 'int'
  | 'numeric'
  | 'float'
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'time'
  | 'interval'
  | 'json'
  | 'bytea'
  | 'inet'
  | 'cidr'
  | 'macaddr'
  | 'tsvector'
  | 'enum'
  | 'text-array'
  | 'int-array'
  | 'uuid-array'
  | 'unknown';

/** A column's kind with the limits its type sets. */
export interface KindInfo {
  kind: ValueKind;
  /** Inclusive bounds for integers; digits for numeric(p, s). */
  min?: number;
  max?: number;
  scale?: number;
  /** varchar(n) / char(n) limit, from the column or its domain's base type. */
  maxLength: number | null;
}

const INT_LIMITS: Record<string, [number, number]> = {
  int2: [-32768, 32767],
  smallint: [-32768, 32767],
  int4: [-2147483648, 2147483647],
  integer: [-2147483648, 2147483647],
  int8: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  bigint: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const NAMES: Record<string, ValueKind> = {
  text: 'text',
  varchar: 'text',
  'character varying': 'text',
  bpchar: 'text',
  character: 'text',
  name: 'text',
  citext: 'text',
  uuid: 'uuid',
  numeric: 'numeric',
  decimal: 'numeric',
  money: 'numeric',
  float4: 'float',
  float8: 'float',
  real: 'float',
  'double precision': 'float',
  bool: 'bool',
  boolean: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  time: 'time',
  'time without time zone': 'time',
  timetz: 'time',
  interval: 'interval',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytea',
  inet: 'inet',
  cidr: 'cidr',
  macaddr: 'macaddr',
  tsvector: 'tsvector',
};

/** Resolves the kind of a column. */
export function kindOf(column: Column): KindInfo {
  if (column.enumValues) return { kind: 'enum', maxLength: null };
  const typeText = column.domain ? column.domain.baseType : column.type;
  const isArray = column.domain ? typeText.endsWith('[]') : column.typeCategory === 'A' || column.typeName.startsWith('_');
  const base = (column.domain ? typeText : column.typeName).replace(/\[\]$/, '').replace(/^_/, '');
  const name = base.replace(/\(.*\)$/, '').trim().toLowerCase();
  const lengthMatch = /^(?:character varying|varchar|character|char|bpchar)\((\d+)\)/i.exec(typeText);
  const maxLength = column.maxLength ?? (lengthMatch ? Number(lengthMatch[1]) : null);
  if (isArray) {
    const element = INT_LIMITS[name] ? 'int' : (NAMES[name] ?? 'unknown');
    const kind: ValueKind = element === 'text' ? 'text-array' : element === 'int' ? 'int-array' : element === 'uuid' ? 'uuid-array' : 'unknown';
    return { kind, maxLength: null };
  }
  const limits = INT_LIMITS[name];
  if (limits) return { kind: 'int', min: limits[0], max: limits[1], maxLength: null };
  const kind = NAMES[name] ?? 'unknown';
  if (kind === 'numeric') {
    const m = /\((\d+)(?:,\s*(\d+))?\)/.exec(typeText);
    if (m) {
      const scale = Number(m[2] ?? 0);
      const max = 10 ** (Number(m[1]) - scale) - 1;
      return { kind, min: -max, max, scale, maxLength: null };
    }
    return { kind, scale: 2, maxLength: null };
  }
  return { kind, maxLength: kind === 'text' ? maxLength : null };
}

/** True for kinds whose values can carry a canary. */
export function canCarryCanary(kind: ValueKind): boolean {
  return kind === 'text' || kind === 'uuid' || kind === 'json' || kind === 'text-array' || kind === 'uuid-array';
}
