import * as fc from 'fast-check';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import { victimKey } from './arbitraries.ts';
import { readStatement, readTargets, type ReadTarget } from './context-sequence.ts';
import type { AttackEnv } from './probe.ts';

/**
 * The step language of the attack-sequence probe: plain data (so fast-check shrinks and
 * replays it by path), relative to the case's two tenants so that generated sequences stay
 * coherent — "write into the other tenant, then switch to it and read what was written" is
 * two steps, not a lucky draw of four.
 */

/** A tenant relative to the one the context names now (`self`; the attacker when none). */
export type Relative = 'self' | 'other';

/** What a step does after (optionally) setting the context. */
export type Action =
  | { kind: 'none' }
  /** `target` null: the relation written last in the sequence (where a door may have opened). */
  | { kind: 'read'; target: ReadTarget | null; bulk: boolean; pick: number; owner: Relative }
  | { kind: 'insert' | 'update'; write: WriteTarget; owner: Relative; pick: number; tenant: Relative; everyRow: boolean };

/** One step: set the context (or keep it), then act. */
export interface Step {
  context: 'keep' | 'attacker' | 'victim' | 'empty';
  action: Action;
}

/** A relation the app may write, with a seeded key to copy or move. */
export interface WriteTarget {
  target: ReadTarget;
  insert: boolean;
  update: boolean;
  tenantColumn: string | null;
}

/** Seeded tenant relations the app may INSERT into or UPDATE. */
export function writeTargets(env: AttackEnv): WriteTarget[] {
  const reads = readTargets(env);
  return env.surface.relations
    .filter((r) => r.seeded && r.seeded.ownership.kind !== 'shared' && r.seeded.keyColumns.length > 0 && (r.privileges.has('INSERT') || r.privileges.has('UPDATE')))
    .map((r) => ({ target: reads.find((t) => t.name === r.name) ?? { name: r.name, sql: quoteQualified(r.relation), seeded: r.seeded }, insert: r.privileges.has('INSERT'), update: r.privileges.has('UPDATE'), tenantColumn: r.tenantColumn }));
}

/** Steps over this environment's surface. */
export function stepArbitrary(env: AttackEnv): fc.Arbitrary<Step> {
  const relative = fc.constantFrom<Relative>('other', 'self');
  const actions: fc.WeightedArbitrary<Action>[] = [
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), target: fc.option(fc.constantFrom(...readTargets(env)), { nil: null, freq: 2 }), bulk: fc.boolean(), pick: fc.nat(), owner: relative }) },
  ];
  for (const kind of ['update', 'insert'] as const) {
    const usable = writeTargets(env).filter((w) => w[kind]);
    if (usable.length > 0) actions.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant(kind), write: fc.constantFrom(...usable), owner: relative, pick: fc.nat(), tenant: relative, everyRow: fc.boolean() }) });
  }
  return fc.record({ context: fc.constantFrom('keep', 'attacker', 'victim', 'empty'), action: fc.oneof(...actions) });
}

/** The SQL of an action, and for reads what the oracle needs to judge rows by key; null when it has nothing to act on. */
export function actionSql(env: AttackEnv, action: Action, tenant: (who: Relative) => number, lastWritten: ReadTarget | null): { sql: string; read?: ReturnType<typeof readStatement> & { target: ReadTarget } } | null {
  if (action.kind === 'none') return null;
  if (action.kind === 'read') {
    const target = action.target ?? lastWritten;
    if (!target) return null;
    const read = readStatement({ target, bulk: action.bulk, pick: action.pick, owner: tenant(action.owner) });
    return { sql: read.sql, read: { ...read, target } };
  }
  const { target, tenantColumn } = action.write;
  const seeded = target.seeded!;
  const key = victimKey(seeded, tenant(action.owner), action.pick);
  if (!key) return null;
  const where = seeded.keyColumns.map((c, i) => `${quoteIdent(c)}::text = ${quoteLiteral(key[i]!)}`).join(' AND ');
  const tenantId = quoteLiteral(env.manifest.tenants[tenant(action.tenant)]!.id);
  if (action.kind === 'update') {
    // Without WHERE nothing is read, so only the UPDATE policy stands (a WHERE holds the new row to the SELECT policy too).
    const column = quoteIdent(tenantColumn ?? seeded.keyColumns[0]!);
    return { sql: `UPDATE ${target.sql} SET ${column} = ${tenantColumn ? tenantId : column}${action.everyRow ? '' : ` WHERE ${where}`}` };
  }
  // A copy of the row with the tenant replaced and fresh uuid/text keys (identity keys take their default).
  const relation = env.surface.byName(target.name)!.relation;
  const columns = relation.columns.filter((c) => !c.generated && c.identity !== 'always' && !(c.identity && seeded.keyColumns.includes(c.name)));
  const values = columns.map((c) => {
    const q = quoteIdent(c.name);
    if (c.name === tenantColumn) return `COALESCE(${tenantId}, ${q})`; // the literal takes the column's type
    if (!seeded.keyColumns.includes(c.name)) return q;
    return c.typeName === 'uuid' ? 'gen_random_uuid()' : c.typeCategory === 'S' ? `${q} || '-copy'` : q;
  });
  const from = action.everyRow ? '' : ` WHERE ${where}`;
  return { sql: `INSERT INTO ${target.sql} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) SELECT ${values.join(', ')} FROM ${target.sql}${from}` };
}
