import type { Column, Relation } from '../catalog/snapshot.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import type { RowValues } from './write-state.ts';

/**
 * Pure SQL builders of the write probes. Every value is a literal made by `quoteLiteral` and
 * cast to the column's type, so the attempt is one simple-protocol round trip and the
 * reproduction shows exactly the text that was sent.
 */

/** `'value'::type`, or NULL. */
export function literalOf(column: Column, value: string | null): string {
  return value === null ? 'NULL' : `${quoteLiteral(value)}::${column.type}`;
}

/** Columns an INSERT may name: not generated, not identity (the identity draws a fresh value). */
export function insertableColumns(relation: Relation): Column[] {
  return relation.columns.filter((c) => c.generated === null && c.identity === null);
}

/** Columns of a unique index's entries: plain columns, and those an expression entry mentions. */
export function indexColumns(relation: Relation, entries: readonly string[]): string[] {
  const names = relation.columns.map((c) => c.name);
  const found = new Set<string>();
  for (const entry of entries) {
    if (names.includes(entry)) found.add(entry);
    else for (const name of names) if (mentions(entry, name)) found.add(name);
  }
  return [...found];
}

function mentions(expression: string, name: string): boolean {
  const words = expression.split(/[^A-Za-z0-9_$]+/);
  return words.includes(name) || expression.includes(quoteIdent(name));
}

/** Every column that takes part in a unique index (primary keys included). */
export function uniqueColumns(relation: Relation): Set<string> {
  return new Set(relation.indexes.filter((i) => i.unique).flatMap((i) => indexColumns(relation, i.columns)));
}

/** Columns of the foreign keys of a relation. */
export function foreignKeyColumns(relation: Relation): Set<string> {
  return new Set(relation.constraints.filter((c) => c.kind === 'foreign-key').flatMap((c) => c.columns));
}

/**
 * A value no seeded row holds, deterministic in `n` (replay is exact), or null when the type
 * has none we can make. Never canary-shaped: the run tag is random, `00000000` is not it.
 */
export function freshValue(column: Column, n: number): string | null {
  const t = column.typeName;
  if (t === 'uuid') return `00000000-0000-4000-8000-${(n % 0xffffffffffff).toString(16).padStart(12, '0')}`;
  if (t === 'int2') return String(20000 + (n % 12000));
  if (t === 'int4' || t === 'int8' || t === 'numeric') return String(900_000_000 + (n % 100_000_000));
  if (column.typeCategory === 'S' && column.enumValues === null) {
    const text = `zz-fresh-${n.toString(36)}`;
    return column.maxLength !== null ? text.slice(-column.maxLength) : text;
  }
  return null;
}

/** An expression giving `ref` a different value of the same type, or null when none is safe. */
export function changeOf(column: Column, ref: string): string | null {
  if (column.enumValues !== null || column.domain !== null) return null;
  const t = column.typeName;
  if (['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'].includes(t)) return `${ref} + 1`;
  if (t === 'bool') return `NOT ${ref}`;
  if (t === 'date') return `${ref} + 1`;
  if (t === 'timestamp' || t === 'timestamptz') return `${ref} + interval '1 day'`;
  if (column.typeCategory === 'S') return column.maxLength !== null ? `left(${ref}, ${Math.max(0, column.maxLength - 1)}) || '~'` : `${ref} || '~'`;
  return null;
}

/** A row to insert: the template with `overrides` (column → SQL expression), every insertable column named. */
export function rowValues(relation: Relation, template: RowValues, overrides: ReadonlyMap<string, string>): { columns: string; values: string } {
  const columns = insertableColumns(relation);
  return {
    columns: columns.map((c) => quoteIdent(c.name)).join(', '),
    values: columns.map((c) => overrides.get(c.name) ?? literalOf(c, template[c.name] ?? null)).join(', '),
  };
}

/**
 * Literal overrides giving every unique column outside `keep` a fresh value (n, n+1, ...).
 * Columns of foreign keys are never made fresh: a reference must point at an existing row.
 */
export function freshUniques(relation: Relation, keep: ReadonlySet<string>, n: number): Map<string, string> {
  const overrides = new Map<string, string>();
  const references = foreignKeyColumns(relation);
  let i = 0;
  for (const name of uniqueColumns(relation)) {
    const column = relation.columns.find((c) => c.name === name)!;
    if (keep.has(name) || references.has(name) || column.identity !== null || column.generated !== null) continue;
    const value = freshValue(column, n + i++);
    if (value !== null) overrides.set(name, literalOf(column, value));
  }
  return overrides;
}

/** `INSERT INTO t (cols) VALUES (...)` or `INSERT INTO t (cols) SELECT ...`. */
export function insertSql(relation: Relation, row: { columns: string; values: string }, form: 'values' | 'select', suffix = ''): string {
  const body = form === 'values' ? `VALUES (${row.values})` : `SELECT ${row.values}`;
  return `INSERT INTO ${quoteQualified(relation)} (${row.columns}) ${body}${suffix}`;
}
