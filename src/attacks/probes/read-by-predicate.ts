import * as fc from 'fast-check';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { defineProbe } from '../probe.ts';
import { canaryLeak, foreignKeyRow, keyAlias } from '../read-evidence.ts';
import { readShape, renderTail, renderWhere } from '../read-predicates.ts';

/**
 * Filters instead of keys: a search box, a report filter, an export. Generated WHERE clauses
 * (the victim's ids and keys, LIKE on its canaries, IS NOT NULL, `true`, ORed), with and
 * without ORDER BY and LIMIT, over every seeded tenant table the application role can read.
 * A policy that only holds for some predicates (or none) shows here.
 */
export default defineProbe({
  meta: {
    id: 'read-by-predicate',
    title: 'Read other tenants’ rows through a filter',
    description: 'Selects rows with generated WHERE predicates aimed at another tenant (its ids, keys and canary patterns, ORed with IS NOT NULL or true), with and without ORDER BY and LIMIT, from every seeded table the application role can read.',
    severity: 'critical',
    remediation: 'Enable and force row-level security on the table with a policy that pins every row to the current tenant, whatever else the query filters on (see the audit findings it confirms).',
  },
  confirms: ['rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'tenant-comparison-not-equality'],
  arbitrary(env) {
    const tables = env.surface.readable.filter((r) => r.seeded && r.seeded.ownership.kind !== 'shared');
    if (tables.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), table: fc.constantFrom(...tables), shape: readShape() })
      .map(({ pair, table, shape }) => ({ ...pair, table, shape }));
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    // Tables without canary columns are judged by the keys of the rows that come back.
    const withKey = seeded.canaryColumns.length === 0 && seeded.keyColumns.length > 0;
    const key = withKey ? `, concat_ws(${quoteLiteral('|')}, ${seeded.keyColumns.map((k) => `${quoteIdent(k)}::text`).join(', ')}) AS ${quoteIdent(keyAlias)}` : '';
    const sql = `SELECT *${key} FROM ${quoteQualified(c.table.relation)}${renderWhere(env, c.table, c.shape, c.victim)}${renderTail(c.table, c.shape)}`;
    const attempt = { context: env.contextFor(c.attacker), statements: [sql] };
    const outcome = await env.sessions.run(attempt);
    const rows = outcome.results[0]?.rows ?? [];
    let leak = canaryLeak(env, [outcome], {
      attacker: c.attacker,
      target: c.table.name,
      sent: sql,
      what: (victim, n) => `tenant #${c.attacker} read ${n} row(s) including tenant #${victim}’s from ${c.table.name} through a filter`,
    });
    const byKey = leak ? null : foreignKeyRow(rows, seeded, c.attacker);
    if (byKey) {
      leak = {
        what: `tenant #${c.attacker} read tenant #${byKey[0]}’s row (${seeded.keyColumns.join(', ')}) = (${byKey[1].split('|').join(', ')}) from ${c.table.name} through a filter`,
        target: c.table.name,
        canaries: [],
        excerpt: `key (${seeded.keyColumns.join(', ')}) = (${byKey[1].split('|').join(', ')}) of tenant #${byKey[0]}`,
        victim: byKey[0],
      };
    }
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
