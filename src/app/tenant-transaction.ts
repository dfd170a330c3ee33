import type pg from 'pg';
import { literalOf, PlaceholderCache, UninlinableParameterError } from '../db/inline-params.ts';
import { ApiError, unstorableValue } from './api-error.ts';
import type { FlawName } from './flaws.ts';

/**
 * One request, one transaction, one pooled connection, acting as the app role for one tenant
 * (DESIGN §8.7). The tenant is set with `set_config(..., true)`, so it ends with the
 * transaction: the connection goes back to the pool carrying nothing of this request, whether
 * it committed or rolled back, and a connection that cannot even roll back is destroyed.
 *
 * A request with a single statement (most routes) takes `one`: the context and the statement
 * go in one simple-protocol message, which Postgres runs as one implicit transaction, so the
 * `set_config(..., true)` lives exactly as long as the statement — one round trip instead of
 * four (BEGIN, context, statement, COMMIT). The statement's parameters are inlined as
 * literals by `db/inline-params.ts` (a departure from DESIGN §8.7's `$n` rule, for this path
 * only: the inlined text is equivalent to the parameters, tested value by value against the
 * server). This is what brings the reference API near the minimal server in `npm run bench`.
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
  /**
   * Runs one statement for the tenant in ONE round trip: the context and the statement (its
   * parameters inlined as literals) travel in one simple-protocol message, which Postgres runs
   * as one implicit transaction — the same guarantees as `run`, at a quarter of its round trips.
   */
  one<R = Record<string, unknown>>(scope: TenantScope, sql: string, params?: unknown[], options?: { withoutTenant?: boolean }): Promise<R[]>;
}

/** The context statement of a scope, with literals (validated by `literalOf`: no NUL). */
function contextStatement(scope: TenantScope, timeout: string | null): string {
  const budget = timeout === null ? '' : `, set_config('statement_timeout', ${literalOf(timeout)}, true)`;
  return `select set_config('${tenantSetting}', ${literalOf(scope.tenant)}, true), set_config('${userSetting}', ${literalOf(scope.user)}, true)${budget}`;
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

  const inline = new PlaceholderCache();
  const timeoutOf = (scope: TenantScope) => (scope.statementTimeoutMs === null ? null : String(Math.max(1, Math.floor(scope.statementTimeoutMs))));

  const runner: TransactionRunner = {
    async one<R>(scope: TenantScope, sql: string, params: unknown[] = [], options: { withoutTenant?: boolean } = {}): Promise<R[]> {
      if (flaw === 'session-level-tenant' || flaw === 'context-failure-ignored') {
        // The flaws live in the multi-round-trip path: take it.
        return runner.run(scope, (query) => query<R>(sql, params), options);
      }
      // Built before a connection is taken: a value that cannot be a literal (a NUL from the
      // client's input, which Postgres cannot store either) fails the request as a 400
      // without touching the database.
      let statement: string;
      try {
        statement = inline.inline(sql, params);
      } catch (error) {
        if (error instanceof UninlinableParameterError) throw unstorableValue();
        throw error;
      }
      const text = options.withoutTenant ? statement : `${contextStatement(scope, timeoutOf(scope))};\n${statement}`;
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch {
        throw new ApiError(503, 'unavailable', 'the database is unavailable', { 'retry-after': '1' });
      }
      let broken: Error | undefined;
      try {
        const result = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
        const last = Array.isArray(result) ? result[result.length - 1]! : result;
        return last.rows as R[];
      } catch (error) {
        // A server error ended the implicit transaction and left the connection idle and
        // clean; anything else (a dropped socket) means it cannot be trusted again.
        if (!(error instanceof Error && 'severity' in error)) broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken);
      }
    },

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
  return runner;
}
