import type pg from 'pg';
import { ApiError } from './api-error.ts';
import type { FlawName } from './flaws.ts';

/**
 * One request, one transaction, one pooled connection, acting as the app role for one tenant
 * (DESIGN §8.7). The tenant is set with `set_config(..., true)`, so it ends with the
 * transaction: the connection goes back to the pool carrying nothing of this request, whether
 * it committed or rolled back, and a connection that cannot even roll back is destroyed.
 */

/** The setting the reference schema's policies read. */
export const tenantSetting = 'app.tenant_id';
/** The acting user, for audit columns; no policy depends on it. */
export const userSetting = 'app.user_id';

/**
 * The transaction's tenant in SQL. Queries filter on it as well as RLS doing so: a second
 * lock for a table whose RLS is weakened, and the same single source of truth per request.
 */
export const currentTenant = `nullif(current_setting('${tenantSetting}', true), '')::uuid`;

/** Runs one statement in the request's transaction and returns its rows. */
export type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Who the transaction acts for, and its statement budget. */
export interface TenantScope {
  tenant: string;
  user: string;
  /** `statement_timeout` for this transaction only, or null to leave the server's. */
  statementTimeoutMs: number | null;
}

/** Runs work in tenant transactions on a pool. */
export interface TransactionRunner {
  /** `withoutTenant` is only ever passed by a flaw branch (route-without-tenant). */
  run<T>(scope: TenantScope, work: (query: Query) => Promise<T>, options?: { withoutTenant?: boolean }): Promise<T>;
}

/** Builds the runner for one server's pool. */
export function createTransactionRunner(pool: pg.Pool, flaw: FlawName | undefined): TransactionRunner {
  // FLAW(session-level-tenant) state: which tenant the app believes each connection carries.
  const believed = new WeakMap<pg.PoolClient, string>();

  const setContext = async (client: pg.PoolClient, scope: TenantScope): Promise<void> => {
    const timeout = scope.statementTimeoutMs === null ? null : String(Math.max(1, Math.floor(scope.statementTimeoutMs)));
    if (flaw === 'session-level-tenant') {
      // FLAW(session-level-tenant): the tenant is set for the whole session, and only when the
      // app believes the connection carries another tenant. It outlives the request, and a
      // rolled-back transaction silently restores the previous tenant in Postgres while the
      // app still believes it set this one: the next request reads another tenant's rows.
      if (believed.get(client) !== scope.tenant) {
        await client.query(`select set_config($1, $2, false), set_config($3, $4, false)`, [tenantSetting, scope.tenant, userSetting, scope.user]);
        believed.set(client, scope.tenant);
      }
      if (timeout) await client.query(`select set_config('statement_timeout', $1, true)`, [timeout]);
      return;
    }
    // One round trip for tenant, user and budget; `true`: local to this transaction.
    await client.query(
      `select set_config($1, $2, true), set_config($3, $4, true), set_config('statement_timeout', coalesce($5, current_setting('statement_timeout')), true)`,
      [tenantSetting, scope.tenant, userSetting, scope.user, timeout],
    );
  };

  return {
    async run(scope, work, options = {}) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch {
        // Pool exhausted past its wait, or the server is gone: retryable, and says nothing more.
        throw new ApiError(503, 'unavailable', 'the database is unavailable', { 'retry-after': '1' });
      }
      let destroy = false;
      try {
        await client.query('begin');
        if (options.withoutTenant) {
          // Reached only from a FLAW(route-without-tenant) branch: no context at all.
        } else if (flaw === 'context-failure-ignored') {
          // FLAW(context-failure-ignored): a failed context is caught and forgotten; the
          // request's queries then run with whatever context the connection has (none).
          await client.query('savepoint tenant_context');
          await setContext(client, scope).catch(() => client.query('rollback to savepoint tenant_context'));
        } else {
          await setContext(client, scope);
        }
        const query: Query = async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[];
        const result = await work(query);
        await client.query('commit');
        return result;
      } catch (error) {
        // A connection that cannot roll back is in an unknown state: never reuse it.
        await client.query('rollback').catch(() => {
          destroy = true;
        });
        throw error;
      } finally {
        client.release(destroy);
      }
    },
  };
}
