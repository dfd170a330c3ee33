import type { ClockTimer } from './clock.ts';
import type { PlanLimits } from './config.ts';
import type { TenantCounters } from './stats.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * Per-tenant scheduling state and the pure decisions over it: who counts as active, how many
 * slots a tenant may hold, and whose queued request goes next. The gate owns the instances;
 * nothing here keeps state of its own.
 *
 * Ordering is start-time fair queuing over measured hold time: each tenant has a virtual time
 * that grows by (estimated, then corrected to actual) slot-milliseconds divided by its plan
 * weight, and the backlogged tenant with the least virtual time goes next. A tenant that was
 * idle re-enters at the least virtual time of the busy tenants, so idleness earns no credit
 * to burst with later, and a quiet tenant is never behind a heavy tenant's backlog: the heavy
 * tenant's virtual time already includes its work. Ties go to the tenant served least
 * recently (round-robin), then by id, so the order is deterministic.
 */

/** The result `admit()` resolves with. */
export type Admission = { release(): void } | { reject: { status: 429 | 503; retryAfterSeconds: number } };

/** A request waiting for a slot. */
export interface Waiter {
  readonly tenant: TenantState;
  readonly enqueuedAt: number;
  /** Heavy work takes a heavy slot as well (see `RequestCost`). */
  readonly heavy: boolean;
  readonly signal: AbortSignal;
  /** Resolves the `admit()` promise; called exactly once. */
  readonly settle: (outcome: Admission) => void;
  /** The queue-wait deadline, once armed. */
  deadline: ClockTimer | null;
  /** The listener that withdraws the request when its signal aborts, once armed. */
  onAbort: (() => void) | null;
}

/** One tenant as the gate sees it. */
export interface TenantState {
  readonly id: string;
  /** The plan as the app named it; `limits` may be the fallback plan's. */
  planName: string;
  limits: PlanLimits;
  /** `null` while the plan has no rate limit. */
  bucket: TokenBucket | null;
  /** The heavy requests' bucket; `null` while the plan has no heavy rate. */
  heavyBucket: TokenBucket | null;
  inFlight: number;
  /** Of `inFlight`, the heavy requests. */
  heavyInFlight: number;
  readonly queue: Waiter[];
  /** Weighted slot-milliseconds received (see the header). */
  vtime: number;
  /** Moving average of slot hold time, ms; 0 before the first release. */
  costMs: number;
  costSamples: number;
  /** Clock time of the latest `admit()` call. */
  lastSeen: number;
  /** Admission sequence number of the latest admission; -1 before the first. */
  lastAdmission: number;
  readonly counters: TenantCounters;
}

/** Weight of a hold-time sample in the moving average: recent behaviour dominates within ~10. */
const COST_ALPHA = 0.2;

/** True when the tenant holds or waits for a slot. */
export function isBusy(t: TenantState): boolean {
  return t.inFlight > 0 || t.queue.length > 0;
}

/** True when the tenant is busy or made a request within the last `windowMs`. */
export function isActive(t: TenantState, now: number, windowMs: number): boolean {
  return isBusy(t) || now - t.lastSeen < windowMs;
}

/** Σ weights of the active tenants: the denominator of every share. */
export function activeWeight(tenants: Iterable<TenantState>, now: number, windowMs: number): number {
  let sum = 0;
  for (const t of tenants) if (isActive(t, now, windowMs)) sum += t.limits.weight;
  return sum;
}

/**
 * Slots `t` may hold: its weighted part of the shared budget, at least one (every tenant can
 * always make progress), at most its plan's cap. `totalWeight` includes `t` when it is active.
 */
export function concurrencyLimit(t: TenantState, sharedConcurrency: number, totalWeight: number): number {
  const weight = Math.max(totalWeight, t.limits.weight);
  const share = Math.floor((sharedConcurrency * t.limits.weight) / weight);
  return Math.min(t.limits.maxConcurrent, Math.max(1, share));
}

/** Call when an idle tenant becomes busy: lift its virtual time to the busy tenants' least. */
export function joinVirtualTime(t: TenantState, tenants: Iterable<TenantState>): void {
  let least = Infinity;
  for (const other of tenants) if (other !== t && isBusy(other)) least = Math.min(least, other.vtime);
  if (least !== Infinity) t.vtime = Math.max(t.vtime, least);
}

/**
 * Of the tenants with queued requests whose first request may be served now (`mayServe`), the
 * one to serve next, or undefined when none may be served.
 */
export function pickNext(backlogged: Iterable<TenantState>, mayServe: (t: TenantState, head: Waiter) => boolean): TenantState | undefined {
  let best: TenantState | undefined;
  for (const t of backlogged) {
    const head = t.queue[0];
    if (head === undefined || !mayServe(t, head)) continue;
    // Light work goes ahead of heavy work; within a class, fair order.
    if (best === undefined || (head.heavy ? 1 : 0) < (best.queue[0]!.heavy ? 1 : 0) || ((head.heavy === best.queue[0]!.heavy) && before(t, best))) best = t;
  }
  return best;
}

function before(a: TenantState, b: TenantState): boolean {
  if (a.vtime !== b.vtime) return a.vtime < b.vtime;
  if (a.lastAdmission !== b.lastAdmission) return a.lastAdmission < b.lastAdmission;
  return a.id < b.id;
}

/** Charges an admission at the estimated cost (at least 1 ms); returns the charge, in ms. */
export function chargeAdmission(t: TenantState): number {
  const charged = Math.max(1, t.costMs);
  t.vtime += charged / t.limits.weight;
  return charged;
}

/**
 * Corrects an admission's charge to its actual hold time and updates the cost estimate. The
 * same 1 ms floor as the charge: every admission costs something, so a tenant whose requests
 * return within a clock tick cannot fall back below a tenant that joined behind it.
 */
export function settleCharge(t: TenantState, chargedMs: number, heldMs: number): void {
  const actual = Math.max(1, heldMs);
  t.vtime += (actual - chargedMs) / t.limits.weight;
  t.costMs = t.costSamples === 0 ? actual : t.costMs + COST_ALPHA * (actual - t.costMs);
  t.costSamples += 1;
}

/** Milliseconds until the queue ahead of a new request drains, by the cost estimate. */
export function drainEstimateMs(t: TenantState, limit: number): number {
  return (t.costMs * (t.queue.length + 1)) / Math.max(1, limit);
}
