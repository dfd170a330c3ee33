import * as fc from 'fast-check';
import { attackerAndVictim } from '../arbitraries.ts';
import { defineProbe } from '../probe.ts';
import { judgeWrite, writeTargets } from '../write-judge.ts';
import { foreignKeyColumns, freshUniques, insertSql, rowValues } from '../write-sql.ts';
import { templateRow } from '../write-state.ts';

/**
 * INSERT of rows that belong to another tenant: the tenant column set to the victim's id, or
 * (tables without one) a foreign key to the victim's parent row. The row is one of the
 * victim's own rows, read by the admin, with fresh values in its unique columns, so its
 * references, checks and types are right and only the tenant boundary can refuse it.
 * Judged by the victim's rows before and after: a new row owned by the victim is the leak.
 */
export default defineProbe({
  meta: {
    id: 'write-insert-foreign',
    title: 'Insert rows into another tenant',
    description: "Inserts rows carrying another tenant's id, or pointing at another tenant's parent row (VALUES and INSERT ... SELECT, with and without RETURNING), acting as the app for one tenant, and checks whether the victim gained a row.",
    severity: 'critical',
    remediation: 'Give every INSERT policy a WITH CHECK that pins the new row to the current tenant (through the parent for tables without a tenant column).',
  },
  confirms: ['write-without-tenant-check', 'rls-disabled', 'rls-not-forced', 'app-role-bypasses-rls', 'app-role-owns-tenant-table', 'policy-opens-without-context', 'tenant-comparison-not-equality'],
  arbitrary(env) {
    const tables = writeTargets(env, ['INSERT'], (r) => r.seeded!.ownership.kind === 'column' || r.seeded!.ownership.kind === 'path');
    if (tables.length === 0) return null;
    return fc
      .record({
        pair: attackerAndVictim(env),
        table: fc.constantFrom(...tables),
        form: fc.constantFrom('values' as const, 'select' as const),
        returning: fc.boolean(),
        pick: fc.nat(),
        fresh: fc.nat({ max: 1_000_000 }),
      })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const seeded = c.table.seeded!;
    const relation = c.table.relation;
    const template = await templateRow(env, seeded, c.victim, c.pick);
    if (!template) return { attempts: [], outcomes: [], leak: null };
    // Keep what makes the row the victim's: its tenant column and its references.
    const keep = new Set([...foreignKeyColumns(relation), ...(c.table.tenantColumn ? [c.table.tenantColumn] : [])]);
    const row = rowValues(relation, template, freshUniques(relation, keep, c.fresh));
    const statement = insertSql(relation, row, c.form, c.returning ? ' RETURNING *' : '');
    const how = `INSERT ${c.form === 'values' ? '... VALUES' : '... SELECT'}${c.returning ? ' with RETURNING' : ''} of a row ${seeded.ownership.kind === 'column' ? 'carrying its tenant id' : "under its parent row"}`;
    return judgeWrite(env, { attacker: c.attacker, victim: c.victim, how }, seeded, c.table.name, [statement]);
  },
});
