import type { CatalogSnapshot, Column, Constraint, Relation } from '../catalog/snapshot.ts';
import type { Ownership, SeedProblem } from '../core/manifest.ts';
import { formatQualifiedName, type QualifiedName } from '../core/names.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { orderTables } from './order.ts';

/**
 * Sorting the tables of any schema into the roles the seeder needs (DESIGN §4 ground truth):
 * the tenant registry, tables with a tenant column, child tables that reach a tenant only
 * through foreign keys, and shared reference data. Pure: a function of the snapshot.
 */

/** A table the seeder fills, with how its rows get their owner. */
export interface TableNode {
  relation: Relation;
  /** `schema.name`. */
  key: string;
  role: 'registry' | 'tenant' | 'path' | 'referenced' | 'shared';
  /** For `tenant`: the column naming the owner. */
  tenantColumn: string | null;
  /** For `path`: the first foreign key of the path, and the tables along it. */
  pathFk: Constraint | null;
  via: string[];
  /**
   * For `shared` tables that owned tables point at: rows are made per tenant ("slices"), so a
   * tenant's rows only reference rows no other tenant references (e.g. users of memberships).
   */
  sliced: boolean;
  /** For `referenced` (and sliced tables): the first table, by name, whose owned rows point here, and its key. */
  referencedBy: { node: TableNode; fk: Constraint } | null;
}

/** The classification of a snapshot. */
export interface Classification {
  /** Seeded tables in foreign-key order (parents first). */
  order: TableNode[];
  byKey: Map<string, TableNode>;
  registry: TableNode | null;
  /** The registry column(s) holding the tenant id, or null without a registry. */
  registryKey: string | null;
  /** The column whose type the tenant ids take (registry key, else the first tenant column). */
  tenantIdColumn: Column | null;
  /** Foreign keys filled with NULL to break a cycle, as `table:constraint`. */
  brokenFks: Set<string>;
  /** Materialized views to refresh after seeding. */
  materializedViews: Relation[];
  problems: SeedProblem[];
}

/** The foreign keys of a relation. */
export function foreignKeys(relation: Relation): Constraint[] {
  return relation.constraints.filter((c) => c.kind === 'foreign-key' && c.references !== undefined);
}

/** `schema.name` of a foreign key's target. */
export function targetKey(fk: Constraint): string {
  return `${fk.references!.schema}.${fk.references!.table}`;
}

/** The manifest's ownership of a classified table. */
export function ownershipOf(node: TableNode): Ownership {
  if (node.role === 'registry') return { kind: 'registry' };
  if (node.role === 'tenant') return { kind: 'column', column: node.tenantColumn! };
  if (node.role === 'path') return { kind: 'path', via: node.via };
  if (node.role === 'referenced') return { kind: 'referenced', by: node.referencedBy!.node.key };
  return { kind: 'shared' };
}

/** True when the relation holds rows we insert: plain or partitioned tables, not partitions. */
function isSeedable(relation: Relation): boolean {
  // Extension-owned tables (PostGIS's spatial_ref_sys) are not the application's data.
  return (relation.kind === 'table' || relation.kind === 'partitioned-table') && relation.partitionOf === null && relation.extension === null;
}

function findRegistry(tables: Relation[], tenancy: Tenancy): { relation: Relation; key: string | null } | null {
  const byKey = new Map(tables.map((t) => [formatQualifiedName(t), t]));
  if (tenancy.tenantTable) {
    const relation = byKey.get(formatQualifiedName(tenancy.tenantTable));
    if (!relation) return null;
    return { relation, key: singleKey(relation) };
  }
  // Without a declared registry, the table most tenant columns point at is the registry.
  const votes = new Map<string, { count: number; column: string }>();
  for (const table of tables) {
    for (const fk of foreignKeys(table)) {
      if (fk.columns.length !== 1 || !tenancy.tenantColumns.includes(fk.columns[0]!)) continue;
      const target = targetKey(fk);
      const vote = votes.get(target) ?? { count: 0, column: fk.references!.columns[0]! };
      vote.count++;
      votes.set(target, vote);
    }
  }
  const best = [...votes.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))[0];
  if (!best) return null;
  const relation = byKey.get(best[0]);
  return relation ? { relation, key: best[1].column } : null;
}

function singleKey(relation: Relation): string | null {
  const pk = relation.constraints.find((c) => c.kind === 'primary-key');
  return pk && pk.columns.length === 1 ? pk.columns[0]! : null;
}

/** Classifies every seedable table of the snapshot and orders them parents first. */
export function classifyTables(snapshot: CatalogSnapshot, tenancy: Tenancy): Classification {
  const tables = snapshot.relations.filter(isSeedable);
  const registryFound = findRegistry(tables, tenancy);
  const nodes = new Map<string, TableNode>();
  for (const relation of tables) {
    const key = formatQualifiedName(relation);
    const isRegistry = registryFound !== null && registryFound.relation === relation;
    const tenantColumn = isRegistry ? null : (relation.columns.find((c) => tenancy.tenantColumns.includes(c.name))?.name ?? null);
    nodes.set(key, {
      relation,
      key,
      role: isRegistry ? 'registry' : tenantColumn ? 'tenant' : 'shared',
      tenantColumn,
      pathFk: null,
      via: [],
      sliced: false,
      referencedBy: null,
    });
  }
  assignPaths(nodes);
  markSlices(nodes);
  if (markReferenced(nodes)) assignPaths(nodes);
  const registry = registryFound ? nodes.get(formatQualifiedName(registryFound.relation))! : null;
  const { order, brokenFks, problems } = orderTables(nodes);
  let tenantIdColumn: Column | null = null;
  if (registry && registryFound?.key) tenantIdColumn = registry.relation.columns.find((c) => c.name === registryFound.key) ?? null;
  if (!tenantIdColumn) {
    const first = order.find((n) => n.role === 'tenant');
    tenantIdColumn = first?.relation.columns.find((c) => c.name === first.tenantColumn) ?? null;
  }
  const materializedViews = snapshot.relations.filter((r) => r.kind === 'materialized-view');
  return { order, byKey: nodes, registry, registryKey: registryFound?.key ?? null, tenantIdColumn, brokenFks, materializedViews, problems };
}

/**
 * Ownership paths by increasing distance: a table one foreign key away from an owned table
 * takes that key; then tables one key away from those, and so on. So every path table's
 * `pathFk` leads to a table that is owned or itself on a shorter path, and `via` is exactly
 * the chain of `pathFk` targets (what the oracle and `manifestFromDatabase` join along).
 */
function assignPaths(nodes: Map<string, TableNode>): void {
  const owned = (n: TableNode | undefined) => n !== undefined && n.role !== 'shared';
  for (let changed = true; changed; ) {
    changed = false;
    const level: [TableNode, Constraint][] = [];
    for (const node of [...nodes.values()].sort((a, b) => a.key.localeCompare(b.key))) {
      if (node.role !== 'shared') continue;
      const fk = preferredFks(node.relation).find((c) => targetKey(c) !== node.key && owned(nodes.get(targetKey(c))));
      if (fk) level.push([node, fk]);
    }
    // Assigned after the scan, so this level's tables do not serve as parents within it.
    for (const [node, fk] of level) {
      const parent = nodes.get(targetKey(fk))!;
      node.role = 'path';
      node.pathFk = fk;
      node.via = [parent.key, ...parent.via];
      changed = true;
    }
  }
}

/** NOT NULL foreign keys first (a row must have an owner), then by name for determinism. */
function preferredFks(relation: Relation): Constraint[] {
  const nullable = (fk: Constraint) => fk.columns.some((c) => !relation.columns.find((col) => col.name === c)?.notNull);
  return foreignKeys(relation).sort((a, b) => Number(nullable(a)) - Number(nullable(b)) || a.name.localeCompare(b.name));
}

/** Shared tables referenced by owned (or already sliced) tables get per-tenant slices. */
function markSlices(nodes: Map<string, TableNode>): void {
  const sorted = [...nodes.values()].sort((a, b) => a.key.localeCompare(b.key));
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of sorted) {
      if (node.role === 'shared' && !node.sliced) continue;
      for (const fk of foreignKeys(node.relation).sort((a, b) => a.name.localeCompare(b.name))) {
        const parent = nodes.get(targetKey(fk));
        if (parent && parent.role === 'shared' && !parent.sliced && parent !== node) {
          parent.sliced = true;
          parent.referencedBy = { node, fk };
          changed = true;
        }
      }
    }
  }
}

/**
 * A sliced table under row-level security holds tenant data that reaches its tenant only
 * backwards, through the rows that reference it (users through memberships): its rows are
 * owned, and carry canaries, like any tenant row. A sliced table without RLS is reference
 * data every tenant may read (countries, currencies), so it stays shared: marking it owned
 * would make every read of it a false leak. Returns true when any table changed role.
 */
function markReferenced(nodes: Map<string, TableNode>): boolean {
  let changed = false;
  for (const node of nodes.values()) {
    if (node.role === 'shared' && node.sliced && node.relation.rlsEnabled && node.referencedBy) {
      node.role = 'referenced';
      changed = true;
    }
  }
  return changed;
}

/** `schema.name` of a relation. */
export function relationKey(name: QualifiedName): string {
  return formatQualifiedName(name);
}
