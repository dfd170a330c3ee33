/**
 * Counters the gate keeps per tenant, and the snapshot it reports. Reports (issue 6) read them
 * to show where the aggressor was held back and that victims never waited; "now" fields are
 * instantaneous, everything else accumulates since the gate was created.
 */

/** Why requests were turned away, by cause. */
export interface RejectionCounts {
  /** 429: the tenant's token bucket was empty. */
  rateLimited: number;
  /** 429: the tenant's own queue was full. */
  queueFull: number;
  /** 429 or 503: waited `maxQueueWaitMs` without a slot. */
  queueTimeout: number;
  /** 503: the global queue was full (and this tenant had the longest queue), or the gate closed. */
  overloaded: number;
}

/** Mutable counters of one tenant; owned by the gate, copied into {@link TenantFairnessStats}. */
export interface TenantCounters {
  admitted: number;
  queued: number;
  aborted: number;
  rejectedBy: RejectionCounts;
  maxInFlight: number;
  maxQueueLength: number;
  maxWaitMs: number;
  totalWaitMs: number;
}

/** One tenant's stats. */
export interface TenantFairnessStats {
  /** The plan of the tenant's latest request (as given, before any fallback). */
  plan: string;
  /** Requests given a slot. */
  admitted: number;
  /** Requests that had to wait for a slot (admitted later, timed out, evicted or aborted). */
  queued: number;
  /** Requests turned away (sum of `rejectedBy`). */
  rejected: number;
  /** Requests turned away, by cause. */
  rejectedBy: RejectionCounts;
  /** Requests whose signal aborted while they waited. */
  aborted: number;
  /** Slots held now. */
  inFlight: number;
  /** Requests waiting now. */
  queueLength: number;
  /** The most slots held at once. */
  maxInFlight: number;
  /** The longest the queue has been. */
  maxQueueLength: number;
  /** The longest an admitted request waited for its slot, ms. */
  maxWaitMs: number;
  /** Total wait of admitted requests, ms (divide by `admitted` for the mean). */
  totalWaitMs: number;
}

/** A snapshot of the whole gate. */
export interface FairnessStats {
  /** The configured global budget. */
  globalConcurrency: number;
  /** Slots held now, all tenants. */
  inFlight: number;
  /** Requests waiting now, all tenants. */
  queued: number;
  /** Per tenant, keyed by tenant id, in order of first appearance. */
  tenants: Record<string, TenantFairnessStats>;
}

/** Fresh counters for a tenant seen for the first time. */
export function emptyCounters(): TenantCounters {
  return {
    admitted: 0,
    queued: 0,
    aborted: 0,
    rejectedBy: { rateLimited: 0, queueFull: 0, queueTimeout: 0, overloaded: 0 },
    maxInFlight: 0,
    maxQueueLength: 0,
    maxWaitMs: 0,
    totalWaitMs: 0,
  };
}

/** A detached copy of one tenant's counters with its current levels. */
export function tenantStats(plan: string, counters: TenantCounters, inFlight: number, queueLength: number): TenantFairnessStats {
  const rejectedBy = { ...counters.rejectedBy };
  const rejected = rejectedBy.rateLimited + rejectedBy.queueFull + rejectedBy.queueTimeout + rejectedBy.overloaded;
  return {
    plan,
    admitted: counters.admitted,
    queued: counters.queued,
    rejected,
    rejectedBy,
    aborted: counters.aborted,
    inFlight,
    queueLength,
    maxInFlight: counters.maxInFlight,
    maxQueueLength: counters.maxQueueLength,
    maxWaitMs: counters.maxWaitMs,
    totalWaitMs: counters.totalWaitMs,
  };
}
