import { quoteIdent, quoteQualified } from '../db/quote.ts';
import { endingOf, errorNote, type CellAttempt, type CellEvidence } from './access-matrix-cell.ts';
import { pickOf, type MatrixTarget } from './access-matrix-targets.ts';
import type { AttackEnv } from './probe.ts';
import { foreignKeyColumns, literalOf, uniqueColumns } from './write-sql.ts';
import { baselineState, columnsWith, keyMatch, nodeOf, stateFrom, templateRow, victimStateSql } from './write-state.ts';

/**
 * The update and delete cells: as the acting tenant, one statement at one of its own rows by
 * key (it must get through for `allowed`), one at a row of each other acting tenant by key,
 * and for update one that moves its own rows into the other tenant (sets the tenant column, or
 * the reference to the owning parent). Attempts at other tenants run with the victim's rows
 * read by the admin afterwards in the same transaction; everything rolls back.
 */

/** One write cell: who acts, on what, at whom, and the rows of each tenant the relation holds. */
export interface WriteCell {
  env: AttackEnv;
  target: MatrixTarget;
  tenant: number;
  victims: readonly number[];
  /** Keys of rows the relation holds, per tenant (acting tenant and victims). */
  keys: ReadonlyMap<number, string[][]>;
}

/** How a foreign attempt counts as reaching the victim's rows. */
interface Reach {
  /** The statement's row count alone proves it (it matched rows named by the victim's key). */
  byRowCount: boolean;
  /** A foreign-key violation proves it: it is checked after the row was written, policies passed (a DELETE only checks rows it removed). */
  byForeignKey: boolean;
}

/** Runs a statement as the acting tenant at its own rows. */
export async function ownAttempt(cell: WriteCell, statement: string, what: string, byForeignKey = false): Promise<CellAttempt> {
  const outcome = await cell.env.sessions.run({ context: cell.env.contextFor(cell.tenant), statements: [statement] });
  const ending = endingOf(outcome);
  if (ending === 'foreign-key' && byForeignKey) return { aim: 'own', result: 'reached', note: `${what}: reached it (a foreign key kept the row)` };
  if (ending !== 'ok') return { aim: 'own', result: ending === 'refused' ? 'refused' : 'error', note: errorNote(what, outcome, cell.env.codec), code: outcome.error!.code };
  const rows = outcome.results[0]?.rowCount ?? 0;
  return { aim: 'own', result: rows > 0 ? 'reached' : 'no-effect', note: rows > 0 ? what : `${what}: no row affected` };
}

/** Runs a statement as the acting tenant and judges it by the victim's rows before and after. */
export async function foreignAttempt(cell: WriteCell, victim: number, statement: string, what: string, reach: Reach): Promise<CellAttempt> {
  const { env } = cell;
  const table = cell.target.keyedBy!;
  const before = await baselineState(env, table, victim);
  const outcome = await env.sessions.run({ context: env.contextFor(cell.tenant), statements: [statement], verify: [victimStateSql(env, table, victim)] });
  const ending = endingOf(outcome);
  if (ending === 'foreign-key' && reach.byForeignKey) return { aim: 'foreign', result: 'reached', note: `${what} (only a foreign key kept the row)` };
  if (ending !== 'ok') return { aim: 'foreign', result: ending === 'refused' ? 'refused' : 'error', note: errorNote(what, outcome, env.codec), code: outcome.error!.code };
  const after = stateFrom(outcome);
  const rows = outcome.results[0]?.rowCount ?? 0;
  const changed = after !== null && (after.rows !== before.rows || after.checksum !== before.checksum);
  if (changed || (reach.byRowCount && rows > 0)) return { aim: 'foreign', result: 'reached', note: what };
  return { aim: 'foreign', result: 'no-effect', note: `${what}: no effect` };
}

/**
 * `SET "c" = "c"` on a column the app may update, preferring one that is no key, reference or
 * tenant column. A self-assignment, not a change: it passes any business rule a policy's
 * WITH CHECK adds (`role IN (...)`), so only the tenant boundary decides, and the row count
 * says how many rows it reached (the brief's evidence for updates).
 */
function assignmentOf(env: AttackEnv, target: MatrixTarget): string | null {
  const relation = target.surface.relation;
  const updatable = columnsWith(env, relation, 'UPDATE');
  const fixed = new Set([...target.keyedBy!.keyColumns, ...uniqueColumns(relation), ...foreignKeyColumns(relation), ...(target.surface.tenantColumn ? [target.surface.tenantColumn] : [])]);
  const assignable = relation.columns.filter((c) => updatable.has(c.name) && c.generated === null && c.identity !== 'always');
  const column = assignable.find((c) => !fixed.has(c.name)) ?? assignable[0];
  return column ? `${quoteIdent(column.name)} = ${quoteIdent(column.name)}` : null;
}

/** The columns that make a row its tenant's: the tenant column and the references carrying it, or the first reference of the path. */
function ownerColumns(env: AttackEnv, target: MatrixTarget): string[] {
  const table = target.keyedBy!;
  const relation = target.surface.relation;
  if (table.ownership.kind === 'column') {
    const tenant = table.ownership.column;
    const carried = relation.constraints.filter((k) => k.kind === 'foreign-key' && k.columns.includes(tenant)).flatMap((k) => k.columns);
    return [...new Set([tenant, ...carried])];
  }
  return table.ownership.kind === 'path' ? (nodeOf(env, table)?.pathFk?.columns ?? []) : [];
}

/** Why rows of this target cannot be written one at a time, or null when they can. */
export function unaimable(target: MatrixTarget): { blocked: boolean; reason: string } | null {
  if (target.surface.relation.kind === 'materialized-view') return { blocked: true, reason: 'a materialized view cannot be written' };
  if (target.sources.length === 0) {
    const kind = target.surface.relation.kind;
    return { blocked: false, reason: kind === 'foreign-table' ? 'a foreign table: no seeded row behind it to aim at' : 'nothing was seeded in it (see the seeding problems), so there is no row to aim at' };
  }
  if (!target.keyedBy) return { blocked: false, reason: 'it shows no seeded table’s key columns, so no single row can be aimed at' };
  return null;
}

/** Adds "no row of tenant #n" for tenants without rows in the relation; returns the first key of each that has one. */
function firstKeys(cell: WriteCell, evidence: CellEvidence): { own: string[] | null; victims: [number, string[]][] } {
  const own = cell.keys.get(cell.tenant)?.[0] ?? null;
  if (!own) evidence.untried.push({ aim: 'own', reason: `no row of tenant #${cell.tenant} in it to aim at` });
  const victims: [number, string[]][] = [];
  for (const victim of cell.victims) {
    const key = cell.keys.get(victim)?.[0];
    if (key) victims.push([victim, key]);
    else evidence.untried.push({ aim: 'foreign', reason: `no row of tenant #${victim} in it to aim at` });
  }
  return { own, victims };
}

/** UPDATE of its own row and of each victim's row by key, and of all its own rows moved into each victim. */
export async function updateEvidence(cell: WriteCell): Promise<CellEvidence> {
  const evidence: CellEvidence = { privileged: true, attempts: [], untried: [] };
  const { env, target } = cell;
  const set = assignmentOf(env, target);
  if (!set) return { ...evidence, untried: [{ aim: 'own', reason: 'no column it may update' }] };
  const table = target.keyedBy!;
  const name = quoteQualified(target.surface.relation);
  const { own, victims } = firstKeys(cell, evidence);
  if (own) evidence.attempts.push(await ownAttempt(cell, `UPDATE ${name} SET ${set} WHERE ${keyMatch(null, table.keyColumns, own)}`, 'update of its own row by key'));
  const movable = ownerColumns(env, target);
  const updatable = columnsWith(env, target.surface.relation, 'UPDATE');
  const canMove = own !== null && movable.length > 0 && movable.every((c) => updatable.has(c));
  for (const [victim, key] of victims) {
    const statement = `UPDATE ${name} SET ${set} WHERE ${keyMatch(null, table.keyColumns, key)}`;
    evidence.attempts.push(await foreignAttempt(cell, victim, statement, `updated a row of tenant #${victim} by key`, { byRowCount: true, byForeignKey: false }));
    if (!canMove) continue;
    const template = await templateRow(env, table, victim, pickOf(table, victim, key));
    if (!template) continue;
    const columns = target.surface.relation.columns;
    const assign = movable.map((c) => `${quoteIdent(c)} = ${literalOf(columns.find((col) => col.name === c)!, template[c] ?? null)}`).join(', ');
    // Without WHERE: a WHERE naming columns makes PostgreSQL check the new row against the
    // SELECT policies too, which would hide an UPDATE policy whose WITH CHECK forgets the tenant.
    // A foreign-key violation comes after the policies passed (children left behind): moved.
    const move = `UPDATE ${name} SET ${assign}`;
    evidence.attempts.push(await foreignAttempt(cell, victim, move, `moved its own rows into tenant #${victim} (UPDATE without WHERE)`, { byRowCount: false, byForeignKey: true }));
  }
  return evidence;
}

/** DELETE of its own row and of each victim's row, by key. */
export async function deleteEvidence(cell: WriteCell): Promise<CellEvidence> {
  const evidence: CellEvidence = { privileged: true, attempts: [], untried: [] };
  const table = cell.target.keyedBy!;
  const name = quoteQualified(cell.target.surface.relation);
  const { own, victims } = firstKeys(cell, evidence);
  if (own) evidence.attempts.push(await ownAttempt(cell, `DELETE FROM ${name} WHERE ${keyMatch(null, table.keyColumns, own)}`, 'delete of its own row by key', true));
  for (const [victim, key] of victims) {
    const statement = `DELETE FROM ${name} WHERE ${keyMatch(null, table.keyColumns, key)}`;
    evidence.attempts.push(await foreignAttempt(cell, victim, statement, `deleted a row of tenant #${victim} by key`, { byRowCount: true, byForeignKey: true }));
  }
  return evidence;
}
