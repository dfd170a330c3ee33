import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';
import { isRejection, type FairnessGate, type FairnessPermit, type RequestCost } from './fairness-port.ts';
import type { FlawName } from './flaws.ts';
import type { PlanCache } from './plan-cache.ts';
import type { TokenClaims } from './tokens.ts';
import type { Query, TenantScope, TransactionRunner } from './tenant-transaction.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for: set by the auth hook; null on public routes. */
    auth: TokenClaims | null;
    /** Aborts when the client goes away before the answer, or the server closes. */
    abortSignal: AbortSignal | null;
  }
}

/** What route handlers use to reach the database. */
export interface AppContext {
  readonly flaw: FlawName | undefined;
  /**
   * Runs `work` for the request's tenant: its plan, the fairness gate, then one transaction
   * with the tenant context. `withoutTenant` is for the route-without-tenant flaw only.
   */
  inTenant<T>(request: FastifyRequest, work: (query: Query) => Promise<T>, options?: { withoutTenant?: boolean }): Promise<T>;
  /** `inTenant` for a single statement: the same admission, one round trip (TransactionRunner.one). */
  queryInTenant<R = Record<string, unknown>>(request: FastifyRequest, sql: string, params?: unknown[], options?: { withoutTenant?: boolean }): Promise<R[]>;
}

const noPermit: FairnessPermit = { release() {} };

/** Builds the context of one server. */
export function createAppContext(runner: TransactionRunner, plans: PlanCache, gate: FairnessGate, flaw: FlawName | undefined): AppContext {
  /** Admits the request through the gate and runs `body` with its scope; the permit is always released. */
  const admitted = async <T>(request: FastifyRequest, body: (scope: TenantScope) => Promise<T>): Promise<T> => {
    const auth = request.auth;
    // Routes that reach here are authenticated by the hook; this is a programming error.
    if (!auth) throw new Error('inTenant called on a request without a tenant');
    const plan = await plans.planOf(auth.tenant);
    let permit = noPermit;
    let statementTimeoutMs: number | null = null;
    if (flaw === 'no-fairness') {
      // FLAW(no-fairness): no admission and no statement budget: one tenant's burst takes
      // every connection and its slow reports run as long as they like.
    } else {
      // Routes declare their cost (`config: { cost: 'heavy' }`); the rest are light (see RequestCost).
      const cost = (request.routeOptions.config as { cost?: RequestCost }).cost ?? 'light';
      const outcome = await gate.admit(auth.tenant, plan, request.abortSignal ?? new AbortController().signal, cost);
      if (isRejection(outcome)) {
        const { status, retryAfterSeconds } = outcome.reject;
        const retry = String(Math.max(0, Math.ceil(retryAfterSeconds)));
        throw status === 429
          ? new ApiError(429, 'rate-limited', 'too many requests for this tenant', { 'retry-after': retry })
          : new ApiError(503, 'overloaded', 'the service is overloaded', { 'retry-after': retry });
      }
      permit = outcome;
      statementTimeoutMs = gate.statementTimeoutMs(plan);
    }
    try {
      return await body({ tenant: auth.tenant, user: auth.user, statementTimeoutMs });
    } finally {
      permit.release();
    }
  };
  return {
    flaw,
    inTenant: (request, work, options) => admitted(request, (scope) => runner.run(scope, work, options)),
    queryInTenant: (request, sql, params, options) => admitted(request, (scope) => runner.one(scope, sql, params, options)),
  };
}
