import type { Constraint } from '../catalog/snapshot.ts';
import type { SeedProblem } from '../core/manifest.ts';
import { foreignKeys, targetKey, type TableNode } from './classify.ts';

/**
 * Foreign-key order: every table after the tables it references, so each row's parents exist
 * when it is copied. Self-references do not count (rows point at earlier rows of the same
 * table). A cycle is broken at a nullable foreign key, which is then filled with NULL; a cycle
 * with none is reported, and its tables are not seeded.
 */
export function orderTables(nodes: Map<string, TableNode>): { order: TableNode[]; brokenFks: Set<string>; problems: SeedProblem[] } {
  const brokenFks = new Set<string>();
  const problems: SeedProblem[] = [];
  const keys = [...nodes.keys()].sort();
  const pending = new Set(keys);
  const order: TableNode[] = [];
  const edgesOf = (key: string): Constraint[] =>
    foreignKeys(nodes.get(key)!.relation).filter((fk) => {
      const target = targetKey(fk);
      return target !== key && nodes.has(target) && !brokenFks.has(`${key}:${fk.name}`);
    });
  while (pending.size > 0) {
    // Kahn's step, in name order so the order (and so every generated value) is deterministic.
    const ready = [...pending].filter((key) => edgesOf(key).every((fk) => !pending.has(targetKey(fk))));
    if (ready.length > 0) {
      for (const key of ready) {
        pending.delete(key);
        order.push(nodes.get(key)!);
      }
      continue;
    }
    const breakable = findBreakable(nodes, pending, edgesOf);
    if (breakable) {
      brokenFks.add(breakable);
      continue;
    }
    for (const key of pending) {
      problems.push({ table: key, reason: 'in a foreign-key cycle with no nullable foreign key to break it; not seeded' });
    }
    break;
  }
  return { order, brokenFks, problems };
}

/** A nullable foreign key among the tables still pending; ownership paths are kept when possible. */
function findBreakable(
  nodes: Map<string, TableNode>,
  pending: Set<string>,
  edgesOf: (key: string) => Constraint[],
): string | null {
  let fallback: string | null = null;
  for (const key of [...pending].sort()) {
    const node = nodes.get(key)!;
    for (const fk of edgesOf(key)) {
      if (!pending.has(targetKey(fk))) continue;
      // MATCH SIMPLE: one NULL column switches the check off, so one nullable column suffices.
      const nullable = fk.columns.some((c) => !node.relation.columns.find((col) => col.name === c)?.notNull);
      if (!nullable) continue;
      if (node.pathFk?.name !== fk.name) return `${key}:${fk.name}`;
      fallback ??= `${key}:${fk.name}`;
    }
  }
  return fallback;
}
