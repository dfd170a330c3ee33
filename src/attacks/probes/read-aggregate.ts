import * as fc from 'fast-check';
import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim, readableTenantData } from '../arbitraries.ts';
import { defineProbe, type Leak } from '../probe.ts';
import { canaryLeak, foreignTenantRow, tenantAlias, visibleRowBound, readLeakConfirms } from '../read-evidence.ts';
import type { SurfaceRelation } from '../surface.ts';

/**
 * Dashboards and exports: counts, distinct counts, min/max and string_agg of text columns,
 * grouped by the tenant column. An aggregate reads every row it can see, so one unprotected
 * row shows as a canary in min/max/string_agg, as a foreign tenant's group, or as a count
 * larger than the attacker's own rows per the manifest.
 */

const kinds = ['count', 'count-distinct', 'min-max', 'string-agg', 'grouped'] as const;

function aggregateSql(relation: SurfaceRelation, kind: (typeof kinds)[number], column: string): string {
  const from = quoteQualified(relation.relation);
  const c = quoteIdent(column);
  const tenant = relation.tenantColumn ? quoteIdent(relation.tenantColumn) : null;
  switch (kind) {
    case 'count':
      return `SELECT count(*) AS "n" FROM ${from}`;
    case 'count-distinct':
      return `SELECT count(DISTINCT ${tenant ?? c}) AS "n" FROM ${from}`;
    case 'min-max':
      return `SELECT min(${c}::text) AS "min", max(${c}::text) AS "max" FROM ${from}`;
    case 'string-agg':
      return `SELECT string_agg(${c}::text, ',') AS "all" FROM ${from}`;
    case 'grouped':
      return tenant
        ? `SELECT ${tenant}::text AS ${quoteIdent(tenantAlias)}, count(*) AS "n", max(${c}::text) AS "max" FROM ${from} GROUP BY ${tenant}`
        : `SELECT ${c}::text AS "value", count(*) AS "n" FROM ${from} GROUP BY ${c}::text`;
  }
}

export default defineProbe({
  meta: {
    id: 'read-aggregate',
    title: 'Read other tenants’ data through aggregates',
    description: 'Runs count(*), count(DISTINCT tenant), min/max and string_agg of columns, and per-tenant groups over every relation with tenant data the application role can read, and compares the numbers with the attacker’s own rows in the manifest.',
    severity: 'high',
    remediation: 'Enable and force row-level security with a policy that pins the tenant on every table behind the aggregate; expose precomputed figures only through security_invoker views.',
  },
  confirms: readLeakConfirms,
  arbitrary(env) {
    const relations = readableTenantData(env);
    if (relations.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), relation: fc.constantFrom(...relations), kind: fc.constantFrom(...kinds), column: fc.nat() })
      .map(({ pair, relation, kind, column }) => ({ ...pair, relation, kind, column }));
  },
  async execute(c, env) {
    const column = c.relation.relation.columns[c.column % c.relation.relation.columns.length]!.name;
    const sql = aggregateSql(c.relation, c.kind, column);
    const attempt = { context: env.contextFor(c.attacker), statements: [sql] };
    const outcome = await env.sessions.run(attempt);
    const rows = outcome.results[0]?.rows ?? [];
    const target = c.relation.name;
    let leak: Leak | null = canaryLeak(env, [outcome], {
      attacker: c.attacker,
      target,
      sent: sql,
      what: (victim) => `tenant #${c.attacker} read tenant #${victim}’s data in an aggregate (${c.kind}) over ${target}`,
    });
    const group = leak || c.kind !== 'grouped' ? null : foreignTenantRow(env, rows, c.attacker);
    if (group) {
      leak = { what: `tenant #${c.attacker} saw a group of tenant #${group[0]} in ${target}`, target, canaries: [], excerpt: `${c.relation.tenantColumn} = ${group[1]}`, victim: group[0] };
    }
    // Numbers as evidence: more rows than the attacker's own (and shared ones) per the manifest.
    const n = Number(rows[0]?.['n']);
    const seeded = c.relation.seeded;
    if (!leak && !outcome.error && Number.isFinite(n) && (c.kind === 'count' || c.kind === 'count-distinct')) {
      // A query on an inheritance parent reads its children too: their rows count as the attacker's where they are its own.
      const children = env.manifest.tables.filter((t) =>
        env.snapshot.relations.some((r) => r.schema === t.table.schema && r.name === t.table.name && r.inheritsFrom.includes(target)),
      );
      const bound =
        c.kind === 'count'
          ? seeded
            ? visibleRowBound(seeded, c.attacker) + children.reduce((sum, child) => sum + visibleRowBound(child, c.attacker), 0)
            : Infinity
          : c.relation.tenantColumn
            ? 1
            : Infinity;
      if (n > bound) {
        const what = c.kind === 'count' ? `${n} rows where tenant #${c.attacker} owns at most ${bound}` : `${n} distinct tenants where it may see only itself`;
        leak = { what: `tenant #${c.attacker} counted ${what} in ${target}`, target, canaries: [], excerpt: `${sql} → ${n} (bound ${bound})`, victim: c.victim };
      }
    }
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
