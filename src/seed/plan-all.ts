import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { SeedProblem } from '../core/manifest.ts';
import { foreignKeys, targetKey, type Classification } from './classify.ts';
import { planTable, type TablePlan } from './plan.ts';
import type { ValuePools } from './pools.ts';

/**
 * Plans every classified table, parents first (a child's FK columns are canaries only when
 * its parent's are), and collects the column sets each table is referenced by, which are the
 * tuples the generator keeps for the children.
 */
export function planAll(
  snapshot: CatalogSnapshot,
  classification: Classification,
  pools: ValuePools,
  tenantIdsAreCanaries: boolean,
): { plans: TablePlan[]; referencedSets: Map<string, string[][]>; problems: SeedProblem[] } {
  const byKey = new Map<string, TablePlan>();
  const problems: SeedProblem[] = [];
  const referencedSets = new Map<string, string[][]>();
  for (const node of classification.order) {
    for (const fk of foreignKeys(node.relation)) {
      const target = targetKey(fk);
      if (!classification.byKey.has(target) || classification.brokenFks.has(`${node.key}:${fk.name}`)) continue;
      const sets = referencedSets.get(target) ?? [];
      const columns = fk.references!.columns;
      if (!sets.some((s) => s.join(',') === columns.join(','))) sets.push(columns);
      referencedSets.set(target, sets);
    }
  }
  for (const node of classification.order) {
    const plan = planTable(snapshot, classification, node, byKey, pools, tenantIdsAreCanaries);
    byKey.set(node.key, plan);
    for (const reason of plan.problems) problems.push({ table: node.key, reason: `not seeded: ${reason}` });
  }
  return { plans: classification.order.map((n) => byKey.get(n.key)!), referencedSets, problems };
}

/** Rows per group for a table: the number, or the table's entry (`schema.table`, `table`, then `*`). */
export function rowsFor(rowsPerTable: number | Record<string, number>, key: string): number {
  if (typeof rowsPerTable === 'number') return rowsPerTable;
  const name = key.slice(key.indexOf('.') + 1);
  return rowsPerTable[key] ?? rowsPerTable[name] ?? rowsPerTable['*'] ?? 20;
}
