import * as fc from 'fast-check';
import type { Constraint, Relation } from '../../catalog/snapshot.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv } from '../probe.ts';
import { defineProbe } from '../probe.ts';
import { judgeWrite, writeTargets } from '../write-judge.ts';
import { changeOf, foreignKeyColumns, freshUniques, literalOf, rowValues, uniqueColumns } from '../write-sql.ts';
import { columnsWith, templateRow } from '../write-state.ts';

type Shape = 'upsert-victim' | 'upsert-own' | 'merge-update' | 'merge-delete';

/** The constraints ON CONFLICT ON CONSTRAINT can name. */
function conflictKeys(relation: Relation): Constraint[] {
  return relation.constraints.filter((k) => k.kind === 'primary-key' || k.kind === 'unique');
}

/** `"c" = <a different value of t."c">` on an updatable column outside every key, tenant and reference. */
function assignment(env: AttackEnv, relation: Relation, tenantColumn: string | null, pick: number): string | null {
  const updatable = columnsWith(env, relation, 'UPDATE');
  const fixed = new Set([...uniqueColumns(relation), ...foreignKeyColumns(relation), ...(tenantColumn ? [tenantColumn] : [])]);
  const checked = new Set(relation.constraints.filter((k) => k.kind === 'check').flatMap((k) => k.columns));
  const options = relation.columns
    .filter((c) => updatable.has(c.name) && !fixed.has(c.name) && c.generated === null && c.identity === null)
    .map((c) => ({ c, expr: changeOf(c, `t.${quoteIdent(c.name)}`) }))
    .filter((x) => x.expr !== null);
  const preferred = options.filter((x) => !checked.has(x.c.name));
  const list = preferred.length > 0 ? preferred : options;
  const chosen = list[pick % Math.max(1, list.length)];
  return chosen ? `${quoteIdent(chosen.c.name)} = ${chosen.expr}` : null;
}

/**
 * INSERT ... ON CONFLICT DO UPDATE onto another tenant's key (the proposed row carrying the
 * victim's tenant, or the attacker's own where the key leaves the tenant out), and MERGE
 * (PostgreSQL 15+) matching another tenant's key to update or delete it; RETURNING where the
 * server has it. Each takes a path through the policies of its own; judged by the victim's
 * rows before and after, and by foreign canaries in what came back.
 */
export default defineProbe({
  meta: {
    id: 'write-upsert-merge',
    title: 'Upsert or merge onto another tenant’s row',
    description: "Runs INSERT ... ON CONFLICT DO UPDATE and MERGE against another tenant's keys, acting as the app for one tenant, and compares the victim's rows before and after.",
    severity: 'critical',
    remediation: 'Pin the tenant in the INSERT, UPDATE and DELETE policies (USING and WITH CHECK), and lead unique keys with the tenant column.',
  },
  confirms: ['rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'write-without-tenant-check', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'unique-without-tenant'],
  arbitrary(env) {
    const merge = env.snapshot.serverVersionNum >= 150000;
    const upserts = writeTargets(env, ['INSERT', 'UPDATE'], (r) => conflictKeys(r.relation).length > 0);
    const merges = merge ? writeTargets(env, ['SELECT'], (r) => r.privileges.has('UPDATE') || r.privileges.has('DELETE')) : [];
    const shapes: Shape[] = [...(upserts.length > 0 ? (['upsert-victim', 'upsert-own'] as const) : []), ...(merges.length > 0 ? (['merge-update', 'merge-delete'] as const) : [])];
    if (shapes.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), shape: fc.constantFrom(...shapes), which: fc.nat(), returning: fc.boolean(), pick: fc.nat(), fresh: fc.nat({ max: 1_000_000 }) })
      .map(({ pair, shape, which, ...rest }) => {
        const list = shape.startsWith('upsert') ? upserts : merges;
        return { ...pair, shape, table: list[which % list.length]!, ...rest };
      });
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    const relation = c.table.relation;
    const template = await templateRow(env, seeded, c.victim, c.pick);
    if (!template) return { attempts: [], outcomes: [], leak: null };
    const name = quoteQualified(relation);
    // RETURNING on MERGE came with PostgreSQL 17.
    const returning = c.returning && (c.shape.startsWith('upsert') || env.snapshot.serverVersionNum >= 170000) ? ' RETURNING *' : '';
    let statement: string;
    if (c.shape.startsWith('upsert')) {
      const keys = conflictKeys(relation);
      const key = keys[c.pick % keys.length]!;
      const tenant = c.table.tenantColumn;
      const overrides = freshUniques(relation, new Set([...key.columns, ...(tenant ? [tenant] : [])]), c.fresh);
      if (c.shape === 'upsert-own' && tenant && !key.columns.includes(tenant)) {
        overrides.set(tenant, literalOf(relation.columns.find((col) => col.name === tenant)!, env.manifest.tenants[c.attacker]!.id));
      }
      const row = rowValues(relation, template, overrides);
      const set = assignment(env, relation, tenant, c.pick) ?? `${quoteIdent(key.columns[0]!)} = EXCLUDED.${quoteIdent(key.columns[0]!)}`;
      statement = `INSERT INTO ${name} AS t (${row.columns}) VALUES (${row.values}) ON CONFLICT ON CONSTRAINT ${quoteIdent(key.name)} DO UPDATE SET ${set}${returning}`;
    } else {
      const on = seeded.keyColumns.map((k) => `t.${quoteIdent(k)}::text = s.${quoteIdent(k)}`).join(' AND ');
      const source = seeded.keyColumns.map((k) => quoteLiteral(template[k] ?? '')).join(', ');
      const set = assignment(env, relation, c.table.tenantColumn, c.pick);
      const action = c.shape === 'merge-delete' || set === null ? 'DELETE' : `UPDATE SET ${set}`;
      statement = `MERGE INTO ${name} AS t USING (VALUES (${source})) AS s(${seeded.keyColumns.map(quoteIdent).join(', ')}) ON ${on} WHEN MATCHED THEN ${action}${returning}`;
    }
    const how = `${statement.startsWith('MERGE') ? `MERGE ... WHEN MATCHED THEN ${statement.includes('THEN DELETE') ? 'DELETE' : 'UPDATE'}` : `INSERT ... ON CONFLICT DO UPDATE with ${c.shape === 'upsert-own' ? 'its own' : "the victim's"} tenant`}${returning ? ' with RETURNING' : ''}`;
    return judgeWrite(env, { attacker: c.attacker, victim: c.victim, how }, seeded, c.table.name, [statement]);
  },
});
