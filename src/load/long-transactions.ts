import { withClient } from '../db/connect.ts';
import { quoteLiteral } from '../db/quote.ts';

/**
 * The `long-transactions` pattern: sessions of the aggressor, logged in as the application role
 * with its tenant context, each looping transactions that lock every one of its projects and
 * hold the locks for `holdMs` before committing. They go to the database directly (the reference
 * API has no endpoint that keeps a transaction open), so they take backends and CPU beside the
 * app's pool, and any victim work that needed those rows would wait.
 */

/** What the sessions did. */
export interface LongTransactionsOutcome {
  transactions: number;
  errors: number;
}

/** Runs `sessions` sessions for `seconds`; resolves when all have stopped. */
export async function runLongTransactions(options: { appUrl: string; tenant: string; sessions: number; seconds: number; holdMs?: number; signal?: AbortSignal }): Promise<LongTransactionsOutcome> {
  const until = Date.now() + options.seconds * 1000;
  const hold = (options.holdMs ?? 200) / 1000;
  const tenant = quoteLiteral(options.tenant);
  // One round trip per transaction: the statements travel together in one simple query.
  const transaction = `begin;
    select set_config('app.tenant_id', ${tenant}, true);
    select count(*) from (select id from public.projects where tenant_id = ${tenant}::uuid for update) locked;
    select pg_sleep(${hold});
    commit;`;
  const outcome: LongTransactionsOutcome = { transactions: 0, errors: 0 };
  const session = () =>
    withClient(
      options.appUrl,
      async (client) => {
        while (Date.now() < until && !options.signal?.aborted) {
          try {
            await client.query(transaction);
            outcome.transactions++;
          } catch {
            outcome.errors++;
            await client.query('rollback').catch(() => {});
          }
        }
      },
      { applicationName: 'tenantguard load aggressor' },
    ).catch(() => {
      outcome.errors++;
    });
  await Promise.all(Array.from({ length: options.sessions }, session));
  return outcome;
}
