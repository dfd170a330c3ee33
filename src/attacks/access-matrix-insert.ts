import type { Relation } from '../catalog/snapshot.ts';
import type { CellAttempt, CellEvidence } from './access-matrix-cell.ts';
import { pickOf } from './access-matrix-targets.ts';
import { foreignAttempt, ownAttempt, type WriteCell } from './access-matrix-write.ts';
import { foreignKeyColumns, freshUniques, insertSql, rowValues } from './write-sql.ts';
import { columnsWith, nodeOf, templateRow, type RowValues } from './write-state.ts';

/**
 * The insert cell: as the acting tenant, a copy of one of its own rows with fresh values in
 * its unique columns (must be accepted for `allowed`), and a copy of a row of each other acting
 * tenant — carrying that tenant's id, or hanging under its parent row — judged by the victim's
 * rows before and after. Rows are copies of seeded rows (read by the admin), so references,
 * checks and types are already right and only the tenant boundary can refuse them.
 */

/** Fresh-value counters: fixed, so the same seed sends the same rows (attempts roll back, so reuse is harmless). */
const freshOwn = 1;
const freshForeign = 101;
/** Rows tried per aim when a copy collides with an existing key. */
const candidates = 3;

/** The seeded table's own relation (a view or partition shows its columns without its constraints). */
function baseOf(cell: WriteCell): Relation {
  return nodeOf(cell.env, cell.target.keyedBy!)?.relation ?? cell.target.surface.relation;
}

/** The relation as the app may insert into it: only the columns it holds INSERT on (the rest take their defaults). */
function insertable(cell: WriteCell): Relation {
  const relation = cell.target.surface.relation;
  const allowed = columnsWith(cell.env, relation, 'INSERT');
  return { ...relation, columns: relation.columns.filter((c) => allowed.has(c.name)) };
}

/**
 * Up to {@link candidates} rows to insert as `owner`'s: the first template row, then the same
 * with the last foreign key's columns taken from another row — a row whose key is made only of
 * references (a link table) cannot be made fresh, but a new combination of two existing
 * parents can.
 */
async function candidateRows(cell: WriteCell, owner: number): Promise<RowValues[]> {
  const table = cell.target.keyedBy!;
  const templates: RowValues[] = [];
  for (const key of (cell.keys.get(owner) ?? []).slice(0, candidates)) {
    const row = await templateRow(cell.env, table, owner, pickOf(table, owner, key));
    if (row) templates.push(row);
  }
  const [first, ...others] = templates;
  if (!first) return [];
  const fks = baseOf(cell).constraints.filter((k) => k.kind === 'foreign-key');
  const last = fks[fks.length - 1];
  const mixed = last && fks.length > 1 ? others.map((other) => ({ ...first, ...Object.fromEntries(last.columns.map((c) => [c, other[c] ?? null])) })) : [];
  return [first, ...mixed];
}

/**
 * The INSERT of `row` with fresh values in its unique columns. Which columns are unique, and
 * which are references to keep, comes from the seeded table itself: a view or a partition
 * shows its columns without (all) its indexes.
 */
function statementFor(cell: WriteCell, relation: Relation, row: RowValues, fresh: number): string {
  const base = baseOf(cell);
  const present = new Set(relation.columns.map((c) => c.name));
  const shape = { ...base, columns: base.columns.filter((c) => present.has(c.name)) };
  // Keep what makes the row its owner's: the tenant column and the references.
  const tenantColumn = cell.target.surface.tenantColumn;
  const keep = new Set([...foreignKeyColumns(base), ...(tenantColumn ? [tenantColumn] : [])]);
  return insertSql(relation, rowValues(relation, row, freshUniques(shape, keep, fresh)), 'values');
}

/** Tries the candidate rows in turn while the copy only collides with an existing key (23505). */
async function firstThatFits(rows: readonly RowValues[], attempt: (row: RowValues, i: number) => Promise<CellAttempt>): Promise<CellAttempt | null> {
  let last: CellAttempt | null = null;
  for (const [i, row] of rows.entries()) {
    last = await attempt(row, i);
    if (!(last.result === 'error' && last.code === '23505')) break;
  }
  return last;
}

/** INSERT of a copy of its own row, and of a copy of each victim's row. */
export async function insertEvidence(cell: WriteCell): Promise<CellEvidence> {
  const evidence: CellEvidence = { privileged: true, attempts: [], untried: [] };
  const table = cell.target.keyedBy!;
  const kind = table.ownership.kind;
  if (kind !== 'column' && kind !== 'path') {
    const reason = kind === 'registry' ? 'a new row of the tenant registry is a new tenant, owned by no existing one' : 'a new row of it belongs to no tenant until another tenant’s row references it';
    return { ...evidence, untried: [{ aim: 'own', reason }] };
  }
  const relation = insertable(cell);
  const own = await candidateRows(cell, cell.tenant);
  if (own.length === 0) evidence.untried.push({ aim: 'own', reason: `no row of tenant #${cell.tenant} in it to copy` });
  const ownResult = await firstThatFits(own, (row, i) => ownAttempt(cell, statementFor(cell, relation, row, freshOwn + i), 'insert of a copy of its own row'));
  if (ownResult) evidence.attempts.push(ownResult);
  const how = kind === 'column' ? 'carrying its tenant id' : 'under its parent row';
  for (const victim of cell.victims) {
    const rows = await candidateRows(cell, victim);
    if (rows.length === 0) {
      evidence.untried.push({ aim: 'foreign', reason: `no row of tenant #${victim} in it to copy` });
      continue;
    }
    const what = `inserted a row into tenant #${victim} (${how})`;
    const result = await firstThatFits(rows, (row, i) => foreignAttempt(cell, victim, statementFor(cell, relation, row, freshForeign + 10 * victim + i), what, { byRowCount: false, byForeignKey: false }));
    if (result) evidence.attempts.push(result);
  }
  return evidence;
}
