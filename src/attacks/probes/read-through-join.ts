import * as fc from 'fast-check';
import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import { defineProbe } from '../probe.ts';
import type { AttackEnv } from '../probe.ts';
import { canaryLeak } from '../read-evidence.ts';
import { renderAtom, type PredicateAtom } from '../read-predicates.ts';
import type { SurfaceRelation } from '../surface.ts';

/**
 * Reports and list screens join: along foreign keys, on any two columns of one type, and
 * through sub-selects (IN, EXISTS, a scalar sub-query per row). Row-level security applies to
 * each relation of a join on its own, so a join shows nothing a single read would not — unless
 * one side is open, a view reads with its owner's rights, or a policy leans on another table.
 * Both sides come back as whole rows (`"l"`, `"r"`), so the leak names the side it came from.
 */

/** Two relations and the columns to equate (equal lengths; empty: choose at execution). */
interface Pairing {
  left: SurfaceRelation;
  right: SurfaceRelation;
  on: [string[], string[]];
}

const forms = ['join', 'left join', 'right join', 'full join', 'in', 'exists', 'scalar'] as const;

/** Foreign keys between readable relations, either way round. */
function foreignKeyPairings(env: AttackEnv, relations: readonly SurfaceRelation[]): Pairing[] {
  const pairings: Pairing[] = [];
  for (const left of relations) {
    for (const fk of left.relation.constraints) {
      if (fk.kind !== 'foreign-key' || !fk.references) continue;
      const right = env.surface.byName(`${fk.references.schema}.${fk.references.table}`);
      if (!right || !right.privileges.has('SELECT')) continue;
      pairings.push({ left, right, on: [fk.columns, fk.references.columns] }, { left: right, right: left, on: [fk.references.columns, fk.columns] });
    }
  }
  return pairings;
}

/** The equated expressions of each side, `"l".a` against `"r".b`. */
function equated(p: Pairing, lc: number, rc: number): [string[], string[]] {
  const [ls, rs] = p.on;
  if (ls.length > 0) return [ls.map((c) => `"l".${quoteIdent(c)}`), rs.map((c) => `"r".${quoteIdent(c)}`)];
  const l = p.left.relation.columns[lc % p.left.relation.columns.length]!;
  const same = p.right.relation.columns.filter((c) => c.typeName === l.typeName);
  // Same type: plain equality, as an application writes it; else compare the text forms.
  if (same.length > 0) return [[`"l".${quoteIdent(l.name)}`], [`"r".${quoteIdent(same[rc % same.length]!.name)}`]];
  const r = p.right.relation.columns[rc % p.right.relation.columns.length]!;
  return [[`"l".${quoteIdent(l.name)}::text`], [`"r".${quoteIdent(r.name)}::text`]];
}

export default defineProbe({
  meta: {
    id: 'read-through-join',
    title: 'Read other tenants’ data through joins and sub-selects',
    description: 'Joins every pair of relations the application role can read, along foreign keys and on arbitrary column equality (inner, outer, IN, EXISTS, scalar sub-selects), optionally aimed at another tenant, and looks for that tenant’s canaries on either side.',
    severity: 'critical',
    remediation: 'Every relation in a join must isolate on its own: force row-level security with a tenant-pinning policy on each table, and make views security_invoker.',
  },
  confirms: ['rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'view-without-security-invoker', 'materialized-view-exposes-tenant-data'],
  arbitrary(env) {
    const relations = env.surface.readable.filter((r) => r.relation.columns.length > 0);
    if (relations.length === 0) return null;
    const fks = foreignKeyPairings(env, relations);
    const any = fc.record({ left: fc.constantFrom(...relations), right: fc.constantFrom(...relations) }).map(({ left, right }): Pairing => ({ left, right, on: [[], []] }));
    const aim = fc.record({ kind: fc.constantFrom<PredicateAtom['kind']>('tenant', 'like-canary', 'compare'), column: fc.nat(), op: fc.constant(0), pick: fc.nat() });
    return fc
      .record({
        pair: attackerAndVictim(env),
        pairing: fks.length > 0 ? fc.oneof(fc.constantFrom(...fks), any) : any,
        form: fc.constantFrom(...forms),
        lc: fc.nat(),
        rc: fc.nat(),
        aim: fc.option(aim, { nil: null }),
      })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const { left, right } = c.pairing;
    const [ls, rs] = equated(c.pairing, c.lc, c.rc);
    const on = ls.map((e, i) => `${e} = ${rs[i]}`).join(' AND ');
    const l = `${quoteQualified(left.relation)} AS "l"`;
    const r = `${quoteQualified(right.relation)} AS "r"`;
    const aim = c.aim ? renderAtom(env, right, c.aim, c.victim, 'r') : null;
    const sql = {
      join: `SELECT "l", "r" FROM ${l} JOIN ${r} ON ${on}${aim ? ` WHERE ${aim}` : ''} LIMIT 100`,
      'left join': `SELECT "l", "r" FROM ${l} LEFT JOIN ${r} ON ${on}${aim ? ` AND ${aim}` : ''} LIMIT 100`,
      'right join': `SELECT "l", "r" FROM ${l} RIGHT JOIN ${r} ON ${on}${aim ? ` WHERE ${aim}` : ''} LIMIT 100`,
      'full join': `SELECT "l", "r" FROM ${l} FULL JOIN ${r} ON ${on}${aim ? ` WHERE ${aim}` : ''} LIMIT 100`,
      in: `SELECT "l" FROM ${l} WHERE (${ls.join(', ')}) IN (SELECT ${rs.join(', ')} FROM ${r}${aim ? ` WHERE ${aim}` : ''}) LIMIT 100`,
      exists: `SELECT "l" FROM ${l} WHERE EXISTS (SELECT 1 FROM ${r} WHERE ${on}${aim ? ` AND ${aim}` : ''}) LIMIT 100`,
      scalar: `SELECT "l", (SELECT string_agg("r"::text, ',') FROM ${r} WHERE ${on}${aim ? ` AND ${aim}` : ''}) AS "r" FROM ${l} LIMIT 100`,
    }[c.form];
    const attempt = { context: env.contextFor(c.attacker), statements: [sql] };
    const outcome = await env.sessions.run(attempt);
    const rows = outcome.results[0]?.rows ?? [];
    const leak = canaryLeak(env, [outcome], {
      attacker: c.attacker,
      target: left.name,
      sent: sql,
      what: (victim, n) => `tenant #${c.attacker} read tenant #${victim}’s data in ${n} row(s) of a ${c.form} of ${left.name} with ${right.name}`,
    });
    if (leak) {
      // Name the side the canary came back on.
      const rightText = JSON.stringify(rows.map((row) => row['r'] ?? null));
      if (rightText.includes(leak.canaries[0]!) && !JSON.stringify(rows.map((row) => row['l'] ?? null)).includes(leak.canaries[0]!)) leak.target = right.name;
    }
    return { attempts: [attempt], outcomes: [outcome], leak };
  },
});
