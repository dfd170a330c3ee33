import { unauthorized } from './api-error.ts';
import { currentTenant, type TransactionRunner } from './tenant-transaction.ts';

/**
 * Each tenant's plan (`tenants.plan`), which the fairness gate needs before the request may
 * take a connection. Read once per tenant for the server's life, as the app role under the
 * tenant's own context (the registry's policy shows a tenant only itself). The first request
 * of a tenant therefore makes one lookup outside the gate; plans change rarely enough that a
 * restart picking up a new plan is acceptable for a reference app.
 */
export interface PlanCache {
  /** The tenant's plan; a 401 `unknown-tenant` ApiError when no such tenant exists. */
  planOf(tenant: string): Promise<string>;
}

/** Builds the cache for one server; it lives and dies with the server. */
export function createPlanCache(runner: TransactionRunner): PlanCache {
  // Promises, so concurrent first requests of one tenant share one lookup. Misses and
  // failures are not kept: tokens naming made-up tenants must not grow the map.
  const plans = new Map<string, Promise<string>>();
  const lookup = async (tenant: string): Promise<string> => {
    const rows = await runner.run({ tenant, user: '', statementTimeoutMs: null }, (query) =>
      query<{ plan: string }>(`select plan from public.tenants where id = ${currentTenant}`),
    );
    if (rows.length === 0) throw unauthorized('unknown-tenant');
    return rows[0]!.plan;
  };
  return {
    planOf(tenant) {
      let plan = plans.get(tenant);
      if (!plan) {
        plan = lookup(tenant);
        plans.set(tenant, plan);
        plan.catch(() => plans.delete(tenant));
      }
      return plan;
    },
  };
}
