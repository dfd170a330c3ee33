import type { connectClient } from '../db/connect.ts';
import { copyTextRows, copyTextRowsToTemp } from '../db/copy.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';
import type { TablePlan } from './plan.ts';

/** The admin connection the seeder holds (a node-postgres client, typed through `db/`). */
export type AdminClient = Awaited<ReturnType<typeof connectClient>>;

const STAGE = 'tenantguard_seed_stage';

/**
 * Loads one table's rows inside a savepoint, so a refused table (a CHECK we could not read,
 * a partition that does not exist) is rolled back alone and the seed goes on with the tables
 * that do not depend on it.
 *
 * GENERATED ALWAYS identity columns refuse explicit values from COPY, and children need to
 * know the ids, so those tables go through a temporary staging table and one
 * `INSERT ... OVERRIDING SYSTEM VALUE SELECT` (slower than a direct COPY, only for them).
 */
export async function loadTable(client: AdminClient, plan: TablePlan, chunks: Iterable<string>, signal: AbortSignal | undefined): Promise<number> {
  const table = { schema: plan.node.relation.schema, name: plan.node.relation.name };
  const columns = plan.slots.map((s) => s.column.name);
  const options = signal ? { signal } : {};
  await client.query('savepoint tenantguard_seed');
  try {
    let count: number;
    if (plan.staging) {
      const list = columns.map(quoteIdent).join(', ');
      await client.query(`create temp table ${quoteIdent(STAGE)} on commit drop as select ${list} from ${quoteQualified(table)} with no data`);
      await copyTextRowsToTemp(client, STAGE, columns, chunks, options);
      const inserted = await client.query(
        `insert into ${quoteQualified(table)} (${list}) overriding system value select ${list} from ${quoteIdent(STAGE)}`,
      );
      count = inserted.rowCount ?? 0;
      await client.query(`drop table ${quoteIdent(STAGE)}`);
    } else {
      count = await copyTextRows(client, table, columns, chunks, options);
    }
    await client.query('release savepoint tenantguard_seed');
    return count;
  } catch (error) {
    // The connection may be mid-COPY after an abort; the rollback then fails too, and the
    // caller's transaction rollback (or closing the client) cleans up.
    await client.query('rollback to savepoint tenantguard_seed').catch(() => {});
    throw error;
  }
}

/** Moves identity and serial sequences past the explicit ids we wrote. */
export async function advanceSequences(client: AdminClient, plan: TablePlan): Promise<void> {
  const table = quoteQualified({ schema: plan.node.relation.schema, name: plan.node.relation.name });
  for (const { column, sequence } of plan.sequenceColumns) {
    if (!plan.slots.some((s) => s.column.name === column)) continue;
    await client.query(
      `select setval(coalesce(pg_get_serial_sequence($1, $2), $3::regclass::text), coalesce(max(${quoteIdent(column)}), 0) + 1, false) from ${table}`,
      [table, column, sequence],
    );
  }
}
