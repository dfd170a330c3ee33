import { canExecute, reachableRoles, relationPrivileges } from '../catalog/privileges.ts';
import type { CatalogSnapshot, Function as CatalogFunction, Relation } from '../catalog/snapshot.ts';
import type { SeededTable, SeedManifest } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';

/** A relation the app role can use, with what it may do and what the seed put in it. */
export interface SurfaceRelation {
  relation: Relation;
  /** `schema.name`. */
  name: string;
  privileges: Set<string>;
  /** The seeded table behind it (null for views, matviews, foreign tables, partitions, unseeded tables). */
  seeded: SeededTable | null;
  /** The tenant column on it, if any. */
  tenantColumn: string | null;
}

/** Everything the application role can reach, enumerated from the catalog (DESIGN §4). */
export interface AttackSurface {
  relations: SurfaceRelation[];
  functions: CatalogFunction[];
  /** Surface relations holding tenant data the app can SELECT. */
  readable: SurfaceRelation[];
  byName(name: string): SurfaceRelation | undefined;
}

const usable = new Set(['table', 'partitioned-table', 'view', 'materialized-view', 'foreign-table']);

/**
 * Every table, partition, inheritance child, view, materialized view, foreign table and
 * function the app role can use — through its grants, PUBLIC, and every role it can assume —
 * not only the tables the scenario names, so flaws nobody wrote a rule for are still found.
 */
export function enumerateSurface(snapshot: CatalogSnapshot, tenancy: Tenancy, manifest: SeedManifest): AttackSurface {
  const roles = reachableRoles(snapshot, tenancy.appRole.name);
  const usage = new Map(snapshot.schemas.map((s) => [s.name, roles.has(s.owner) || s.grants.some((g) => g.privilege === 'USAGE' && (g.grantee === 'public' || roles.has(g.grantee)))]));
  const seeded = new Map(manifest.tables.map((t) => [`${t.table.schema}.${t.table.name}`, t]));
  const relations: SurfaceRelation[] = [];
  for (const relation of snapshot.relations) {
    if (!usable.has(relation.kind) || relation.extension !== null || !usage.get(relation.schema)) continue;
    const privileges = relationPrivileges(relation, roles);
    if (privileges.size === 0) continue;
    const name = `${relation.schema}.${relation.name}`;
    relations.push({
      relation,
      name,
      privileges,
      seeded: seeded.get(name) ?? null,
      tenantColumn: relation.columns.find((c) => tenancy.tenantColumns.includes(c.name))?.name ?? null,
    });
  }
  const functions = snapshot.functions.filter((fn) => fn.extension === null && usage.get(fn.schema) && fn.kind !== 'aggregate' && canExecute(fn, roles));
  const byName = new Map(relations.map((r) => [r.name, r]));
  return {
    relations,
    functions,
    readable: relations.filter((r) => r.privileges.has('SELECT')),
    byName: (name) => byName.get(name),
  };
}
