import type { SqlClient } from '../core/sql.ts';

/**
 * Runs `work` inside one `REPEATABLE READ READ ONLY` transaction and always ends it.
 *
 * REPEATABLE READ gives every query of the work the same snapshot, so relations, columns and
 * policies read by separate queries agree with each other even while DDL runs elsewhere.
 * READ ONLY makes the server refuse any write (SQLSTATE 25006), so introspection against a
 * production URL is provably harmless, whatever role it runs as. The transaction is rolled
 * back rather than committed: nothing was written, and rollback cannot fail for lack of
 * anything to commit.
 *
 * The client must not be inside a transaction already (BEGIN would only warn, and the
 * isolation level would not apply).
 */
export async function inReadOnlySnapshot<T>(client: SqlClient, work: (client: SqlClient) => Promise<T>): Promise<T> {
  await client.query('begin isolation level repeatable read read only');
  try {
    return await work(client);
  } finally {
    // A failed rollback means the connection is gone; the work's own error (if any) is the one to report.
    await client.query('rollback').catch(() => {});
  }
}
