import * as fc from 'fast-check';
import type { SeededTable } from '../../core/manifest.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv } from '../probe.ts';
import { defineProbe } from '../probe.ts';
import type { SurfaceRelation } from '../surface.ts';
import { judgeWrite, writeTargets } from '../write-judge.ts';
import { changeOf, foreignKeyColumns, uniqueColumns } from '../write-sql.ts';
import { columnsWith, keyMatch } from '../write-state.ts';

/** Which rows a statement names: one victim row by key, the victim's rows by predicate, or all. */
type Scope = 'key' | 'predicate' | 'all';

/** The victim's rows by predicate: its tenant column (or registry key), else all its manifest keys. */
function victimPredicate(env: AttackEnv, table: SeededTable, victim: number): string {
  const id = quoteLiteral(env.manifest.tenants[victim]!.id);
  if (table.ownership.kind === 'column') return `${quoteIdent(table.ownership.column)}::text = ${id}`;
  const keys = table.keys.get(victim) ?? [];
  return keys.length === 0 ? 'false' : keys.map((key) => `(${keyMatch(null, table.keyColumns, key)})`).join(' OR ');
}

/** `SET "c" = <a different value>` on a column the app may update that is no key, tenant or reference. */
function assignment(env: AttackEnv, target: SurfaceRelation, pick: number): string | null {
  const relation = target.relation;
  const updatable = columnsWith(env, relation, 'UPDATE');
  const fixed = new Set([...target.seeded!.keyColumns, ...uniqueColumns(relation), ...foreignKeyColumns(relation), ...(target.tenantColumn ? [target.tenantColumn] : [])]);
  const candidates = relation.columns.filter((c) => updatable.has(c.name) && !fixed.has(c.name) && c.generated === null && c.identity === null);
  // Columns a CHECK constraint names (status IN (...)) would mostly reject a changed value.
  const checked = new Set(relation.constraints.filter((k) => k.kind === 'check').flatMap((k) => k.columns));
  const changing = candidates.map((c) => ({ c, expr: changeOf(c, quoteIdent(c.name)) })).filter((x) => x.expr !== null);
  const unchecked = changing.filter((x) => !checked.has(x.c.name));
  if (unchecked.length > 0) changing.splice(0, changing.length, ...unchecked);
  if (changing.length > 0) {
    const { c, expr } = changing[pick % changing.length]!;
    return `${quoteIdent(c.name)} = ${expr}`;
  }
  // Nothing we can change safely: a self-assignment still returns the rows it reached.
  const any = candidates[pick % Math.max(1, candidates.length)] ?? relation.columns.find((c) => updatable.has(c.name));
  return any ? `${quoteIdent(any.name)} = ${quoteIdent(any.name)}` : null;
}

/**
 * UPDATE and DELETE aimed at another tenant's rows, in every shape PostgreSQL treats
 * differently: by key, by predicate, and bulk without WHERE; with and without RETURNING
 * (which also needs the SELECT policy to pass). Judged by the victim's rows before and after.
 */
export default defineProbe({
  meta: {
    id: 'write-update-delete',
    title: 'Update or delete another tenant’s rows',
    description: "Updates and deletes rows of another tenant — by key, by predicate and in bulk, with and without RETURNING — acting as the app for one tenant, and compares the victim's rows before and after.",
    severity: 'critical',
    remediation: 'Enable and force row-level security with UPDATE and DELETE policies whose USING clause pins the tenant.',
  },
  confirms: ['rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'policy-opens-without-context', 'tenant-comparison-not-equality'],
  arbitrary(env) {
    const tables = writeTargets(env, [], (r) => r.privileges.has('UPDATE') || r.privileges.has('DELETE'));
    if (tables.length === 0) return null;
    return fc
      .record({
        pair: attackerAndVictim(env),
        table: fc.constantFrom(...tables),
        command: fc.constantFrom('delete' as const, 'update' as const),
        scope: fc.constantFrom<Scope>('key', 'predicate', 'all'),
        returning: fc.boolean(),
        pick: fc.nat(),
      })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    const command = c.table.privileges.has(c.command.toUpperCase()) ? c.command : c.command === 'delete' ? 'update' : 'delete';
    const keys = seeded.keys.get(c.victim) ?? [];
    const where =
      c.scope === 'all' ? '' : ` WHERE ${c.scope === 'key' && keys.length > 0 ? keyMatch(null, seeded.keyColumns, keys[c.pick % keys.length]!) : victimPredicate(env, seeded, c.victim)}`;
    const returning = c.returning ? ' RETURNING *' : '';
    const set = command === 'update' ? assignment(env, c.table, c.pick) : null;
    const statement =
      command === 'delete' || set === null
        ? `DELETE FROM ${quoteQualified(c.table.relation)}${where}${returning}`
        : `UPDATE ${quoteQualified(c.table.relation)} SET ${set}${where}${returning}`;
    const how = `${statement.startsWith('DELETE') ? 'DELETE' : 'UPDATE'} ${c.scope === 'all' ? 'without WHERE' : `by ${c.scope}`}${c.returning ? ' with RETURNING' : ''}`;
    return judgeWrite(env, { attacker: c.attacker, victim: c.victim, how }, seeded, c.table.name, [statement]);
  },
});
