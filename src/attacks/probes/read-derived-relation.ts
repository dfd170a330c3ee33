import * as fc from 'fast-check';
import type { SeededTable } from '../../core/manifest.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv } from '../probe.ts';
import { defineProbe, type Leak } from '../probe.ts';
import { canaryLeak, foreignKeyRow, foreignTenantRow, keyAlias, tenantAlias } from '../read-evidence.ts';
import { readShape, renderTail, renderWhere } from '../read-predicates.ts';
import type { SurfaceRelation } from '../surface.ts';

/**
 * Relations nobody seeded but that show tenant data: views and materialized views (read with
 * their owner's rights unless security_invoker), partitions and inheritance children queried
 * by name (their own row-level security, not the parent's), and foreign tables (none at all).
 * Each is read as the app with generated filters; the canaries of the tables behind them, a
 * tenant column naming another tenant, or another tenant's key of the parent are the evidence.
 */

function isDerived(r: SurfaceRelation): boolean {
  const kind = r.relation.kind;
  return kind === 'view' || kind === 'materialized-view' || kind === 'foreign-table' || r.relation.partitionOf !== null || r.relation.inheritsFrom.length > 0;
}

/** The seeded table whose rows a partition or child holds (itself, its parent, or an ancestor's). */
function seededBehind(env: AttackEnv, r: SurfaceRelation): SeededTable | null {
  let current: SurfaceRelation | undefined = r;
  const seen = new Set<string>();
  while (current && !seen.has(current.name)) {
    if (current.seeded) return current.seeded;
    seen.add(current.name);
    const parent: string | undefined = current.relation.partitionOf ? `${current.relation.partitionOf.schema}.${current.relation.partitionOf.name}` : current.relation.inheritsFrom[0];
    const seededParent = parent ? env.manifest.tables.find((t) => `${t.table.schema}.${t.table.name}` === parent) : undefined;
    if (seededParent) return seededParent;
    current = parent ? env.surface.byName(parent) : undefined;
  }
  return null;
}

export default defineProbe({
  meta: {
    id: 'read-derived-relation',
    title: 'Read other tenants’ data through views, partitions and foreign tables',
    description: 'Selects, with generated filters, from every view, materialized view, partition, inheritance child and foreign table the application role can read, and looks for other tenants’ canaries, tenant ids and keys in the rows.',
    severity: 'critical',
    remediation: 'Make views security_invoker, keep materialized views and foreign tables with tenant data away from the application role, and grant partitions and children nothing (force row-level security on them as a second lock).',
  },
  confirms: ['view-without-security-invoker', 'materialized-view-exposes-tenant-data', 'partition-without-policies', 'foreign-table-exposes-tenant-data', 'rls-disabled', 'rls-not-forced'],
  arbitrary(env) {
    const relations = env.surface.readable.filter(isDerived);
    if (relations.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), relation: fc.constantFrom(...relations), shape: readShape() })
      .map(({ pair, relation, shape }) => ({ ...pair, relation, shape }));
  },
  async execute(c, env) {
    const seeded = seededBehind(env, c.relation);
    const keyed = seeded && seeded.ownership.kind !== 'shared' && seeded.keyColumns.length > 0 && seeded.keyColumns.every((k) => c.relation.relation.columns.some((col) => col.name === k));
    const extra = [
      ...(c.relation.tenantColumn ? [`${quoteIdent(c.relation.tenantColumn)}::text AS ${quoteIdent(tenantAlias)}`] : []),
      ...(keyed ? [`concat_ws(${quoteLiteral('|')}, ${seeded.keyColumns.map((k) => `${quoteIdent(k)}::text`).join(', ')}) AS ${quoteIdent(keyAlias)}`] : []),
    ];
    const sql = `SELECT *${extra.map((e) => `, ${e}`).join('')} FROM ${quoteQualified(c.relation.relation)}${renderWhere(env, c.relation, c.shape, c.victim)}${renderTail(c.relation, c.shape)}`;
    const attempt = { context: env.contextFor(c.attacker), statements: [sql] };
    const outcome = await env.sessions.run(attempt);
    const rows = outcome.results[0]?.rows ?? [];
    const target = c.relation.name;
    const kind = c.relation.relation.partitionOf ? 'partition' : c.relation.relation.inheritsFrom.length > 0 ? 'inheritance child' : c.relation.relation.kind;
    let leak: Leak | null = canaryLeak(env, [outcome], {
      attacker: c.attacker,
      target,
      sent: sql,
      what: (victim, n) => `tenant #${c.attacker} read ${n} row(s) including tenant #${victim}’s data from the ${kind} ${target}`,
    });
    const tenantRow = leak ? null : foreignTenantRow(env, rows, c.attacker);
    const keyRow = leak || tenantRow || !keyed ? null : foreignKeyRow(rows, seeded, c.attacker);
    const found = tenantRow ?? keyRow;
    if (found) {
      const label = tenantRow ? `${c.relation.tenantColumn} = ${found[1]}` : `key (${seeded!.keyColumns.join(', ')}) = (${found[1].split('|').join(', ')})`;
      leak = { what: `tenant #${c.attacker} read a row of tenant #${found[0]} (${label}) from the ${kind} ${target}`, target, canaries: [], excerpt: label, victim: found[0] };
    }
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
