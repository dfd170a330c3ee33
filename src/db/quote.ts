import { formatQualifiedName, type QualifiedName } from '../core/names.ts';

/** Quotes an SQL identifier; the one place identifiers enter SQL text (DESIGN §8.7). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function quoteQualified(name: QualifiedName): string {
  return `${quoteIdent(name.schema)}.${quoteIdent(name.name)}`;
}

/** Quotes a string literal, for reproduction scripts only (queries use $n parameters). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('literal contains a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

export { formatQualifiedName };
