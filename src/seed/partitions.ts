import type { CatalogSnapshot, Relation } from '../catalog/snapshot.ts';

/**
 * Partition keys and bounds of a partitioned table, read from the catalog text
 * (`partitionKey`, `partitionOf.bound`), so the seeder can insert into the parent and have
 * every row land in an existing partition: values inside a RANGE bound, a listed LIST value;
 * HASH needs nothing (every remainder exists or the table could not take rows at all).
 */

/** Values a partition-key column may take so a row finds a partition. */
export type PartitionDomain =
  | { kind: 'list'; values: string[] }
  /** Ranges `[from, to)`; null for MINVALUE / MAXVALUE. */
  | { kind: 'ranges'; ranges: [string | null, string | null][] };

/** What the partitioning of a table asks of its key column, or null when nothing is asked. */
export interface PartitionRule {
  column: string;
  domain: PartitionDomain;
}

/** Parses `RANGE (a)` / `LIST (a, b)` / `HASH (a)`; expression keys give no plain column. */
export function parsePartitionKey(text: string): { strategy: 'range' | 'list' | 'hash'; columns: string[] } | null {
  const m = /^(RANGE|LIST|HASH)\s*\((.*)\)\s*$/i.exec(text.trim());
  if (!m) return null;
  const columns = m[2]!.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  return { strategy: m[1]!.toLowerCase() as 'range' | 'list' | 'hash', columns };
}

/** The literals of a bound list: `('a', 'b')`, `(10)`, `(MINVALUE)`; null stands for MIN/MAXVALUE. */
function parseLiterals(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const re = /'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|\b(MINVALUE|MAXVALUE|NULL)\b/gi;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1].replace(/''/g, "'"));
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push(null);
  }
  return out;
}

/**
 * The partitions of `parent` that can take seeded rows, with their bound text. Foreign
 * partitions are left out: rows routed there would go to another server (or fail), so seeded
 * values are aimed at local partitions only.
 */
export function partitionsOf(snapshot: CatalogSnapshot, parent: Relation): Relation[] {
  return snapshot.relations.filter((r) => r.partitionOf?.schema === parent.schema && r.partitionOf.name === parent.name && r.kind !== 'foreign-table');
}

/**
 * The rule for the first key column of a partitioned table; null when any value fits (a
 * DEFAULT partition, HASH, an expression key) or the table has no partitions (then every
 * insert fails, and the server says so).
 */
export function partitionRule(snapshot: CatalogSnapshot, table: Relation): PartitionRule | null {
  if (table.kind !== 'partitioned-table' || !table.partitionKey) return null;
  const key = parsePartitionKey(table.partitionKey);
  if (!key || key.strategy === 'hash') return null;
  const column = key.columns[0]!;
  if (!table.columns.some((c) => c.name === column)) return null;
  const bounds = partitionsOf(snapshot, table).map((p) => p.partitionOf!.bound.trim());
  if (bounds.length === 0 || bounds.some((b) => /^DEFAULT$/i.test(b))) return null;
  if (key.strategy === 'list') {
    const values: string[] = [];
    for (const bound of bounds) {
      const m = /^FOR VALUES IN\s*\((.*)\)$/i.exec(bound);
      if (m) for (const v of parseLiterals(m[1]!)) if (v !== null) values.push(v);
    }
    return values.length > 0 ? { column, domain: { kind: 'list', values } } : null;
  }
  const ranges: [string | null, string | null][] = [];
  for (const bound of bounds) {
    const m = /^FOR VALUES FROM\s*\((.*?)\)\s*TO\s*\((.*)\)$/i.exec(bound);
    if (!m) continue;
    // Multi-column ranges: the first column's interval is used; rows strictly inside it fit.
    ranges.push([parseLiterals(m[1]!)[0] ?? null, parseLiterals(m[2]!)[0] ?? null]);
  }
  return ranges.length > 0 ? { column, domain: { kind: 'ranges', ranges } } : null;
}
