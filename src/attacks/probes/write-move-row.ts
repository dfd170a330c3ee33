import * as fc from 'fast-check';
import type { Relation } from '../../catalog/snapshot.ts';
import type { SeededTable } from '../../core/manifest.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv } from '../probe.ts';
import { defineProbe } from '../probe.ts';
import { judgeWrite, writeTargets } from '../write-judge.ts';
import { literalOf } from '../write-sql.ts';
import { columnsWith, keyMatch, nodeOf, templateRow } from '../write-state.ts';

/**
 * The columns that make a row its tenant's: the tenant column and every foreign key that
 * carries it (a composite reference must move along, or it fails before any policy does), or,
 * for a table without one, the first foreign key of its path to the tenant.
 */
function ownerColumns(env: AttackEnv, relation: Relation, table: SeededTable): string[] {
  if (table.ownership.kind === 'column') {
    const tenant = table.ownership.column;
    const carried = relation.constraints.filter((k) => k.kind === 'foreign-key' && k.columns.includes(tenant)).flatMap((k) => k.columns);
    return [...new Set([tenant, ...carried])];
  }
  return nodeOf(env, table)?.pathFk?.columns ?? [];
}

/**
 * UPDATE of the attacker's own rows that sets their tenant column (or their reference to the
 * parent that owns them) to the victim's: data pushed into another tenant. By key, by the
 * attacker's own predicate, and in bulk; with and without RETURNING. Judged by the victim's
 * rows before and after: a row that became the victim's is the leak.
 */
export default defineProbe({
  meta: {
    id: 'write-move-row',
    title: 'Move a row into another tenant',
    description: "Updates the application's own rows to carry another tenant's id (or to hang under another tenant's parent row), acting as the app for one tenant, and checks whether the victim gained rows.",
    severity: 'critical',
    remediation: 'Give every UPDATE policy a WITH CHECK that pins the new row to the current tenant; never replace the tenant test with a business rule.',
  },
  confirms: ['write-without-tenant-check', 'rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'policy-opens-without-context', 'tenant-comparison-not-equality'],
  arbitrary(env) {
    const tables = writeTargets(env, ['UPDATE'], (r) => {
      const columns = ownerColumns(env, r.relation, r.seeded!);
      const updatable = columnsWith(env, r.relation, 'UPDATE');
      return columns.length > 0 && columns.every((c) => updatable.has(c));
    });
    if (tables.length === 0) return null;
    return fc
      .record({
        pair: attackerAndVictim(env),
        table: fc.constantFrom(...tables),
        scope: fc.constantFrom('key' as const, 'predicate' as const, 'all' as const),
        returning: fc.boolean(),
        pick: fc.nat(),
        own: fc.nat(),
      })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    const relation = c.table.relation;
    // The victim's own row shows the values that make a row the victim's (tenant id, parent keys).
    const template = await templateRow(env, seeded, c.victim, c.pick);
    const ownKeys = seeded.keys.get(c.attacker) ?? [];
    if (!template || ownKeys.length === 0) return { attempts: [], outcomes: [], leak: null };
    const set = ownerColumns(env, relation, seeded)
      .map((name) => `${quoteIdent(name)} = ${literalOf(relation.columns.find((col) => col.name === name)!, template[name] ?? null)}`)
      .join(', ');
    const attackerId = quoteLiteral(env.manifest.tenants[c.attacker]!.id);
    const where =
      c.scope === 'all'
        ? ''
        : c.scope === 'key' || seeded.ownership.kind !== 'column'
          ? ` WHERE ${keyMatch(null, seeded.keyColumns, ownKeys[c.own % ownKeys.length]!)}`
          : ` WHERE ${quoteIdent(seeded.ownership.column)}::text = ${attackerId}`;
    const statement = `UPDATE ${quoteQualified(relation)} SET ${set}${where}${c.returning ? ' RETURNING *' : ''}`;
    const how = `UPDATE of its own row${c.scope === 'key' ? ' by key' : c.scope === 'all' ? 's without WHERE' : 's by predicate'}${c.returning ? ' with RETURNING' : ''}, setting ${seeded.ownership.kind === 'column' ? 'the tenant column' : 'the reference to its owner'} to the victim's`;
    return judgeWrite(env, { attacker: c.attacker, victim: c.victim, how }, seeded, c.table.name, [statement]);
  },
});
