import * as fc from 'fast-check';
import { formatQualifiedName } from '../../core/names.ts';
import type { SeededTable } from '../../core/manifest.ts';
import { quoteQualified } from '../../db/quote.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv } from '../probe.ts';
import { defineProbe } from '../probe.ts';
import type { SurfaceRelation } from '../surface.ts';
import { judgeWrite } from '../write-judge.ts';

/** The seeded table whose rows a relation holds: itself, or the root of the partition tree it belongs to. */
function seededBehind(env: AttackEnv, relation: SurfaceRelation): SeededTable | null {
  if (relation.seeded) return relation.seeded;
  let parent = relation.relation.partitionOf;
  while (parent) {
    const name = formatQualifiedName(parent);
    const seeded = env.manifest.tables.find((t) => formatQualifiedName(t.table) === name);
    if (seeded) return seeded;
    parent = env.snapshot.relations.find((r) => r.schema === parent!.schema && r.name === parent!.name)?.partitionOf ?? null;
  }
  return null;
}

/**
 * TRUNCATE of tables holding tenant data (partitions included): row-level security governs
 * SELECT, INSERT, UPDATE and DELETE only, so a TRUNCATE privilege empties every tenant's rows.
 * Judged by the victim's rows before and after, inside the rolled-back transaction.
 */
export default defineProbe({
  meta: {
    id: 'write-truncate',
    title: 'Truncate a table holding every tenant’s rows',
    description: 'Truncates each table with tenant data on which the application role holds TRUNCATE (directly, through PUBLIC or an inherited role), and checks whether other tenants lost rows.',
    severity: 'critical',
    remediation: 'REVOKE TRUNCATE on tenant tables from the application role and PUBLIC; grant it only to an operations role the application cannot become.',
  },
  confirms: ['dangerous-table-privileges', 'app-role-owns-tenant-table'],
  arbitrary(env) {
    const targets = env.surface.relations
      .filter((r) => r.privileges.has('TRUNCATE') && (r.relation.kind === 'table' || r.relation.kind === 'partitioned-table'))
      .map((relation) => ({ relation, seeded: seededBehind(env, relation) }))
      .filter((t): t is { relation: SurfaceRelation; seeded: SeededTable } => t.seeded !== null && t.seeded.ownership.kind !== 'shared');
    if (targets.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), target: fc.constantFrom(...targets), only: fc.boolean(), restart: fc.boolean(), cascade: fc.boolean() })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env) {
    const { relation, seeded } = c.target;
    const statement = `TRUNCATE ${c.only ? 'ONLY ' : ''}${quoteQualified(relation.relation)}${c.restart ? ' RESTART IDENTITY' : ''}${c.cascade ? ' CASCADE' : ''}`;
    const how = `TRUNCATE${c.only ? ' ONLY' : ''}${c.cascade ? ' ... CASCADE' : ''}`;
    return judgeWrite(env, { attacker: c.attacker, victim: c.victim, how }, seeded, relation.name, [statement]);
  },
});
