import { messageOf } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import type { AccessOperation, ReportAccessCell, ReportAccessMatrix } from '../core/report.ts';
import { combineCell, redactNote, type CellEvidence, type CellVerdict } from './access-matrix-cell.ts';
import { insertEvidence } from './access-matrix-insert.ts';
import { selectEvidence } from './access-matrix-read.ts';
import { matrixTargets, rowKeysIn, type MatrixTarget } from './access-matrix-targets.ts';
import { deleteEvidence, unaimable, updateEvidence, type WriteCell } from './access-matrix-write.ts';
import type { AttackEnv } from './probe.ts';

/**
 * The access matrix (report.accessMatrix): who could do what to whom, measured live in the
 * attack phase. For a few acting tenants, every relation holding tenant data and every
 * operation the matrix knows, a handful of attempts as the app — at the tenant's own rows and
 * at other tenants' — each in a rolled-back transaction, added up per cell
 * (access-matrix-cell.ts). Deterministic: the tenants, rows and values aimed at come from the
 * manifest, relations and cells are in a fixed order, and no timing is recorded.
 */

/** The operations of the matrix, in column order. */
export const accessOperations: readonly AccessOperation[] = ['select', 'insert', 'update', 'delete'];

/** Options of {@link measureAccessMatrix}. */
export interface AccessMatrixOptions {
  /** How many tenants act, the first ones of the manifest (default 3); each attacks the others. */
  tenants?: number;
  /** Cells measured at once (default 4, the attack pools' size). */
  concurrency?: number;
  /** Cells not started when this runs out are `not-tested` (default: no limit). */
  timeBudgetMs?: number;
  signal?: AbortSignal;
  onEvent?: OnEvent;
}

/** Measures one cell; an unexpected failure makes it `not-tested`, never the phase's. */
async function measureCell(env: AttackEnv, target: MatrixTarget, tenant: number, operation: AccessOperation, cell: () => Promise<WriteCell>): Promise<CellVerdict> {
  if (!target.surface.privileges.has(operation.toUpperCase())) return { outcome: 'blocked', detail: 'no privilege' };
  try {
    let evidence: CellEvidence;
    if (operation === 'select') {
      evidence = await selectEvidence(env, target, tenant);
    } else {
      const why = unaimable(target);
      if (why) return { outcome: why.blocked ? 'blocked' : 'not-tested', detail: why.reason };
      const write = await cell();
      evidence = await (operation === 'insert' ? insertEvidence(write) : operation === 'update' ? updateEvidence(write) : deleteEvidence(write));
    }
    return combineCell(evidence);
  } catch (error) {
    return { outcome: 'not-tested', detail: redactNote(`could not try it: ${messageOf(error)}`, env.codec) };
  }
}

/**
 * Measures the access matrix on a seeded database. Every attempt runs as the app in a
 * transaction that is rolled back; every statement has the sessions' statement timeout. Cells
 * are ordered by relation (sorted), then tenant, then operation.
 */
export async function measureAccessMatrix(env: AttackEnv, options: AccessMatrixOptions = {}): Promise<ReportAccessMatrix> {
  const onEvent = options.onEvent ?? ignoreEvents;
  const acting = env.manifest.tenants.slice(0, Math.max(0, Math.min(options.tenants ?? 3, env.manifest.tenants.length)));
  const indices = acting.map((t) => t.index);
  const targets = matrixTargets(env);
  const deadline = options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeBudgetMs;

  // The rows each acting tenant has in each relation: looked up once per relation, on first use.
  const keys = new Map<string, Promise<Map<number, string[][]>>>();
  const keysOf = (target: MatrixTarget) => {
    let found = keys.get(target.name);
    if (!found) keys.set(target.name, (found = rowKeysIn(env, target, indices)));
    return found;
  };

  const jobs: { target: MatrixTarget; tenant: number; operation: AccessOperation }[] = [];
  for (const target of targets) for (const tenant of indices) for (const operation of accessOperations) jobs.push({ target, tenant, operation });
  const cells: ReportAccessCell[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const { target, tenant, operation } = jobs[i]!;
      const stopped = options.signal?.aborted ? 'the run was interrupted before this cell' : Date.now() > deadline ? 'the time budget ran out before this cell' : null;
      const write = async (): Promise<WriteCell> => ({ env, target, tenant, victims: indices.filter((v) => v !== tenant), keys: await keysOf(target) });
      const verdict: CellVerdict = stopped ? { outcome: 'not-tested', detail: stopped } : await measureCell(env, target, tenant, operation, write);
      cells[i] = { tenant, relation: target.name, operation, outcome: verdict.outcome, ...(verdict.detail ? { detail: verdict.detail } : {}) };
      done++;
      if (done % 25 === 0 || done === jobs.length) onEvent({ type: 'status', phase: 'attack', text: `access matrix: ${done}/${jobs.length} cells` });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return {
    tenants: acting.map((t) => ({ index: t.index, id: t.id })),
    relations: targets.map((t) => t.name),
    operations: [...accessOperations],
    cells,
  };
}
