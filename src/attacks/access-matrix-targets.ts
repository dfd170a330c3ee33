import type { SeededTable } from '../core/manifest.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import type { AttackEnv } from './probe.ts';
import type { SurfaceRelation } from './surface.ts';

/**
 * The rows of the access matrix: every relation on the attack surface that holds or shows
 * seeded tenant data — seeded tables, their partitions and inheritance children, views and
 * materialized views over them — plus unseeded relations with a tenant column (a table the
 * seeder could not fill, a foreign table), which are listed so their cells say why they went
 * untested. Shared reference data is left out: it has no tenant to leak.
 */

/** A relation of the matrix and what stands behind it. */
export interface MatrixTarget {
  surface: SurfaceRelation;
  /** `schema.name`. */
  name: string;
  /** The seeded tenant tables whose rows it holds or shows. */
  sources: SeededTable[];
  /** The one seeded table whose key columns it carries, so single rows can be aimed at; null when none. */
  keyedBy: SeededTable | null;
  /** True when it is that seeded table itself: the manifest's keys are its rows. */
  direct: boolean;
}

const nameOf = (t: SeededTable) => `${t.table.schema}.${t.table.name}`;

/** Seeded tenant tables behind a relation: itself, an ancestor (partitions, children), or what a view reads. */
function sourcesOf(env: AttackEnv, surface: SurfaceRelation): SeededTable[] {
  const seeded = new Map(env.manifest.tables.map((t) => [nameOf(t), t]));
  const relations = new Map(env.snapshot.relations.map((r) => [`${r.schema}.${r.name}`, r]));
  const found = new Map<string, SeededTable>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const table = seeded.get(name);
    if (table) {
      if (table.ownership.kind !== 'shared') found.set(name, table);
      return;
    }
    const relation = relations.get(name);
    if (!relation) return;
    if (relation.partitionOf) visit(`${relation.partitionOf.schema}.${relation.partitionOf.name}`);
    for (const parent of relation.inheritsFrom) visit(parent);
    for (const dependency of relation.dependsOn) visit(dependency);
  };
  visit(surface.name);
  return [...found.values()].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

/** The matrix's relations, sorted by name. */
export function matrixTargets(env: AttackEnv): MatrixTarget[] {
  const targets: MatrixTarget[] = [];
  for (const surface of env.surface.relations) {
    if (surface.seeded?.ownership.kind === 'shared') continue;
    const sources = sourcesOf(env, surface);
    if (sources.length === 0 && surface.tenantColumn === null) continue;
    const columns = new Set(surface.relation.columns.map((c) => c.name));
    const only = sources.length === 1 ? sources[0]! : null;
    const keyedBy = only && only.keyColumns.length > 0 && only.keyColumns.every((k) => columns.has(k)) ? only : null;
    targets.push({ surface, name: surface.name, sources, keyedBy, direct: keyedBy !== null && surface.seeded === keyedBy });
  }
  return targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `concat_ws('|', "k1"::text, ...)`: a row's key in the manifest's text form. */
export function keyExpression(table: SeededTable): string {
  return `concat_ws(${quoteLiteral('|')}, ${table.keyColumns.map((k) => `${quoteIdent(k)}::text`).join(', ')})`;
}

/** `ARRAY['a', ...]::text[]`. */
export function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => quoteLiteral(v)).join(', ')}]::text[]`;
}

/** At most this many keys of one tenant go into a query: enough to find a few rows, bounded text. */
const keysPerTenant = 200;

/**
 * Up to `per` keys of each tenant's rows that the relation itself holds. The manifest's keys
 * for the seeded table itself; for a partition, child or view, the keys the admin finds
 * through it (a partition holds only some of a tenant's rows). Sorted: the same every run.
 */
export async function rowKeysIn(env: AttackEnv, target: MatrixTarget, tenants: readonly number[], per = 3): Promise<Map<number, string[][]>> {
  const table = target.keyedBy;
  const keys = new Map<number, string[][]>(tenants.map((t) => [t, []]));
  if (!table) return keys;
  if (target.direct) {
    for (const t of tenants) keys.set(t, (table.keys.get(t) ?? []).slice(0, per));
    return keys;
  }
  const wanted = new Map<string, number>();
  for (const t of tenants) for (const key of (table.keys.get(t) ?? []).slice(0, keysPerTenant)) wanted.set(key.join('|'), t);
  if (wanted.size === 0) return keys;
  const sql = `select distinct ${keyExpression(table)} as k from ${quoteQualified(target.surface.relation)} where ${keyExpression(table)} = any(${textArray([...wanted.keys()])}) order by 1`;
  const outcome = await env.sessions.run({ context: null, statements: [], verify: [sql] });
  if (outcome.error) throw new Error(`could not list the rows of ${target.name}: ${outcome.error.message}`);
  const byText = new Map<string, string[]>();
  for (const t of tenants) for (const key of table.keys.get(t) ?? []) byText.set(key.join('|'), key);
  for (const row of outcome.verify[0]?.rows ?? []) {
    const text = String(row['k']);
    const owner = wanted.get(text);
    const list = owner === undefined ? undefined : keys.get(owner);
    if (list && list.length < per) list.push(byText.get(text)!);
  }
  return keys;
}

/** The position of `key` among `tenant`'s manifest keys (what `templateRow` picks by), or -1. */
export function pickOf(table: SeededTable, tenant: number, key: readonly string[]): number {
  const text = key.join('\u0001');
  return (table.keys.get(tenant) ?? []).findIndex((k) => k.join('\u0001') === text);
}
