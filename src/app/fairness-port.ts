/**
 * The seam between the reference app and the fairness controls (per-tenant admission,
 * statement budgets), which live in `src/app/fairness/` and are built separately. The server
 * only calls this interface, so the controls can change without touching request handling,
 * and the `no-fairness` flaw can bypass them in one place.
 */

/**
 * What a request costs the database, as its route declares it. `heavy` (the default: unknown
 * work is treated as expensive) is held to the tenant's weighted share of a small global budget
 * sized to leave CPU free; `light` work (a lookup by key, a page of a list) is bounded by the
 * plan's cap and the rate limit only, and goes ahead of heavy work, so a quiet tenant's reads
 * never wait behind its own share or another tenant's reports.
 */
export type RequestCost = 'light' | 'heavy';

/** A permit to run one request; release it exactly once when the request is done. */
export interface FairnessPermit {
  release(): void;
}

/** Why a request was not admitted: answered as `status` with `Retry-After`. */
export interface FairnessRejection {
  reject: { status: 429 | 503; retryAfterSeconds: number };
}

/**
 * Decides, per tenant and plan, whether a request may take a database connection now, and
 * how long its statements may run.
 */
export interface FairnessGate {
  /**
   * Called before the request takes a database connection. May wait (queueing); must settle
   * promptly once `signal` aborts (the client went away or the server is closing).
   */
  admit(tenant: string, plan: string, signal: AbortSignal, cost?: RequestCost): Promise<FairnessPermit | FairnessRejection>;
  /** `SET LOCAL statement_timeout` for the request's transaction, or null for none. */
  statementTimeoutMs(plan: string): number | null;
}

/** True when `admit` refused the request. */
export function isRejection(outcome: FairnessPermit | FairnessRejection): outcome is FairnessRejection {
  return 'reject' in outcome;
}

const noopPermit: FairnessPermit = Object.freeze({ release() {} });

/** Admits everything at once and sets no statement timeout: the default gate. */
export const passThroughGate: FairnessGate = Object.freeze({
  admit: () => Promise.resolve(noopPermit),
  statementTimeoutMs: () => null,
});
