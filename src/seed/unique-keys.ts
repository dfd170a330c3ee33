import type { Relation } from '../catalog/snapshot.ts';

/**
 * The column sets a table must keep unique: primary key, unique constraints and unique
 * indexes (partial ones too: being unique everywhere is unique under any predicate). For an
 * expression index (`lower(email)`) the columns named in its definition stand in: values
 * unique per column are unique under any expression that keeps them apart, which the
 * seeder's values (distinct tokens and ordinals) do for lower() and the like.
 */
export function uniqueSets(relation: Relation): string[][] {
  const sets: string[][] = [];
  const seen = new Set<string>();
  const add = (columns: string[]) => {
    const key = [...columns].sort().join('\u0000');
    if (columns.length > 0 && !seen.has(key)) {
      seen.add(key);
      sets.push(columns);
    }
  };
  for (const c of relation.constraints) {
    if (c.kind === 'primary-key' || c.kind === 'unique') add(c.columns);
  }
  for (const index of relation.indexes) {
    if (!index.unique) continue;
    const plain = index.columns.filter((c) => relation.columns.some((col) => col.name === c));
    if (plain.length === index.columns.length && plain.length > 0) add(plain);
    else add(relation.columns.filter((col) => mentions(index.definition, col.name)).map((col) => col.name));
  }
  return sets;
}

/** Whether an index definition names a column (as a whole word, quoted or not). */
function mentions(definition: string, column: string): boolean {
  const body = definition.replace(/^.*?\bUSING\b/i, '');
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^a-z0-9_"])(?:"${escaped}"|${escaped})(?![a-z0-9_])`, 'i').test(body);
}

/**
 * The columns that identify a row in the manifest: the primary key, else a unique
 * constraint over NOT NULL columns, else null (the caller uses every seeded column).
 */
export function identifyingColumns(relation: Relation): string[] | null {
  const pk = relation.constraints.find((c) => c.kind === 'primary-key');
  if (pk) return pk.columns;
  const notNull = (name: string) => relation.columns.find((c) => c.name === name)?.notNull ?? false;
  const unique = relation.constraints.find((c) => c.kind === 'unique' && c.columns.every(notNull));
  if (unique) return unique.columns;
  const index = relation.indexes.find((i) => i.unique && i.predicate === null && i.columns.length > 0 && i.columns.every(notNull));
  return index ? index.columns : null;
}
