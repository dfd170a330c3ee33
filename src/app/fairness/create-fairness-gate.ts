import type { FairnessGate, RequestCost } from '../fairness-port.ts';
import { systemClock, type Clock, type ClockTimer } from './clock.ts';
import type { FairnessConfig, PlanLimits } from './config.ts';
import { emptyCounters, tenantStats, type FairnessStats } from './stats.ts';
import {
  activeWeight, chargeAdmission, concurrencyLimit, drainEstimateMs, isBusy, joinVirtualTime,
  pickNext, settleCharge, type Admission, type TenantState, type Waiter,
} from './tenant-state.ts';
import { fullBucket, retryAfterSeconds, takeToken } from './token-bucket.ts';
import { validateFairnessConfig } from './validate-config.ts';

/**
 * The fairness gate: admission in the order token bucket → per-tenant queue → weighted fair
 * dispatch under a per-tenant share and a global budget. The reasoning behind each part is in
 * the module header (index.ts). All state lives in the closure of one gate.
 */

/** A {@link FairnessGate} with reporting and a lifecycle. */
export interface ManagedFairnessGate extends FairnessGate, Disposable {
  /** A detached snapshot of the gate's counters and levels. */
  stats(): FairnessStats;
  /**
   * Turns away every waiting request (503) and every later one, and resolves delayed
   * rejections at once. Slots already granted stay valid until released. Idempotent.
   */
  close(): void;
}

const rejection = (status: 429 | 503, retryAfterSeconds: number): Admission => ({ reject: { status, retryAfterSeconds } });

/**
 * Creates a gate from `config` (validated: throws a `scenario-invalid` HarnessError listing
 * every problem). `clock` defaults to the monotonic system clock; tests pass a manual one.
 */
export function createFairnessGate(config: FairnessConfig, clock: Clock = systemClock): ManagedFairnessGate {
  const cfg = validateFairnessConfig(config);
  const fallback = cfg.plans[cfg.fallbackPlan] as PlanLimits;
  const tenants = new Map<string, TenantState>();
  const backlogged = new Set<TenantState>();
  const delayed = new Set<() => void>();
  let inFlight = 0;
  let heavyInFlight = 0;
  const heavyBudget = cfg.heavyConcurrency ?? cfg.globalConcurrency;
  const duty = cfg.heavyDutyCycle ?? 1;
  // Heavy work pauses until then (duty cycle); a timer dispatches when the pause ends.
  let heavyPausedUntil = -Infinity;
  let pauseTimer: ClockTimer | undefined;
  let queued = 0;
  let admissions = 0;
  // Fractions of the golden ratio: an evenly spread, reproducible sequence in [0, 1).
  let spreadIndex = 0;
  const jitter = cfg.rejectionJitter ?? 0;
  const rejectionDelay = (): number => {
    if (jitter === 0) return cfg.rejectionDelayMs;
    spreadIndex += 1;
    const fraction = (spreadIndex * 0.6180339887498949) % 1;
    return cfg.rejectionDelayMs * (1 - jitter + 2 * jitter * fraction);
  };
  let closed = false;

  const limitsOf = (plan: string): PlanLimits => cfg.plans[plan] ?? fallback;
  const heavyRateOf = (limits: PlanLimits) => (limits.heavyRatePerSecond ? { ratePerSecond: limits.heavyRatePerSecond, burst: limits.heavyBurst ?? 2 * limits.heavyRatePerSecond } : null);

  /**
   * The share function at `now` (slots a tenant's heavy work may hold); the active set is read
   * once per decision. Heavy work shares the smaller of the shared and the heavy budget.
   */
  const limitAt = (now: number): ((t: TenantState) => number) => {
    const weight = activeWeight(tenants.values(), now, cfg.activeWindowMs);
    return (t) => concurrencyLimit(t, Math.min(cfg.sharedConcurrency, heavyBudget), weight);
  };

  /** Whether `head`, the first request of `t`, may take a slot now (besides the global budget). */
  const mayServeAt = (now: number): ((t: TenantState, head: Waiter) => boolean) => {
    const limitOf = limitAt(now);
    return (t, head) => (head.heavy ? now >= heavyPausedUntil && heavyInFlight < heavyBudget && t.heavyInFlight < limitOf(t) && t.inFlight < t.limits.maxConcurrent : t.inFlight < t.limits.maxConcurrent);
  };

  function tenantFor(id: string, plan: string, now: number): TenantState {
    const limits = limitsOf(plan);
    let t = tenants.get(id);
    if (t === undefined) {
      t = {
        id, planName: plan, limits, bucket: null, heavyBucket: null, inFlight: 0, heavyInFlight: 0, queue: [], vtime: 0, costMs: 0,
        costSamples: 0, lastSeen: now, lastAdmission: -1, counters: emptyCounters(),
      };
      tenants.set(id, t);
    }
    t.planName = plan;
    t.limits = limits;
    if (limits.ratePerSecond === null) t.bucket = null;
    else t.bucket ??= fullBucket({ ratePerSecond: limits.ratePerSecond, burst: limits.burst }, now);
    const heavyRate = heavyRateOf(limits);
    if (heavyRate === null) t.heavyBucket = null;
    else t.heavyBucket ??= fullBucket(heavyRate, now);
    return t;
  }

  /** Takes `w` out of its queue and disarms its deadline and abort listener. */
  function dequeue(w: Waiter): void {
    const q = w.tenant.queue;
    const i = q.indexOf(w);
    if (i < 0) return;
    q.splice(i, 1);
    queued -= 1;
    if (q.length === 0) backlogged.delete(w.tenant);
    w.deadline?.cancel();
    if (w.onAbort !== null) w.signal.removeEventListener('abort', w.onAbort);
  }

  function grant(w: Waiter, now: number): void {
    const t = w.tenant;
    inFlight += 1;
    t.inFlight += 1;
    if (w.heavy) {
      heavyInFlight += 1;
      t.heavyInFlight += 1;
    }
    t.lastAdmission = ++admissions;
    const c = t.counters;
    c.admitted += 1;
    c.maxInFlight = Math.max(c.maxInFlight, t.inFlight);
    c.maxWaitMs = Math.max(c.maxWaitMs, now - w.enqueuedAt);
    c.totalWaitMs += now - w.enqueuedAt;
    const charged = chargeAdmission(t);
    let held = true;
    // Idempotent, and also run on abort, so a request that dies never leaks its slot.
    const release = (): void => {
      if (!held) return;
      held = false;
      w.signal.removeEventListener('abort', release);
      inFlight -= 1;
      t.inFlight -= 1;
      const end = clock.now();
      if (w.heavy) {
        heavyInFlight -= 1;
        t.heavyInFlight -= 1;
        // Others are active: the heavy work this request did buys a pause of heavy work.
        if (duty < 1 && othersActive(t, end)) pauseHeavy(end + (end - now) * (1 / duty - 1));
      }
      settleCharge(t, charged, end - now);
      dispatch();
    };
    w.signal.addEventListener('abort', release, { once: true });
    w.settle({ release });
  }

  /** True when a tenant other than `t` is active (its light work needs the idle CPU). */
  function othersActive(t: TenantState, now: number): boolean {
    for (const other of tenants.values()) if (other !== t && (isBusy(other) || now - other.lastSeen < cfg.activeWindowMs)) return true;
    return false;
  }

  function pauseHeavy(until: number): void {
    if (until <= heavyPausedUntil) return;
    heavyPausedUntil = until;
    pauseTimer?.cancel();
    pauseTimer = clock.setTimer(Math.max(0, until - clock.now()), () => {
      pauseTimer = undefined;
      dispatch();
    });
  }

  /** Grants slots while the global budget has room and some tenant may be served. */
  function dispatch(): void {
    if (closed) return;
    const now = clock.now();
    const mayServe = mayServeAt(now);
    while (inFlight < cfg.globalConcurrency) {
      const t = pickNext(backlogged, mayServe);
      const w = t?.queue[0];
      if (w === undefined) return;
      dequeue(w);
      grant(w, now);
    }
  }

  /** Resolves a rejection after `rejectionDelayMs` (spread by `rejectionJitter`), or at once when the client goes away. */
  function rejectLater(w: Pick<Waiter, 'settle' | 'signal'>, outcome: Admission): void {
    if (cfg.rejectionDelayMs === 0 || closed) return w.settle(outcome);
    let timer: ClockTimer | undefined;
    const finish = (): void => {
      timer?.cancel();
      delayed.delete(finish);
      w.signal.removeEventListener('abort', finish);
      w.settle(outcome);
    };
    timer = clock.setTimer(rejectionDelay(), finish);
    delayed.add(finish);
    w.signal.addEventListener('abort', finish, { once: true });
  }

  /** The tenant whose queue is longest for its weight: it loses a request on global overflow. */
  function longestQueue(): TenantState {
    let worst: TenantState | undefined;
    for (const t of backlogged) {
      if (worst === undefined || t.queue.length / t.limits.weight > worst.queue.length / worst.limits.weight) worst = t;
    }
    return worst as TenantState;
  }

  /** `w` found no slot: bound the queues, then arm its deadline and abort listener. */
  function wait(w: Waiter, now: number): void {
    const t = w.tenant;
    const c = t.counters;
    const limitOf = limitAt(now);
    if (t.queue.length > t.limits.maxQueued) {
      dequeue(w);
      c.rejectedBy.queueFull += 1;
      return rejectLater(w, rejection(429, retryAfterSeconds(drainEstimateMs(t, limitOf(t)))));
    }
    if (queued > cfg.maxGlobalQueued) {
      const loser = longestQueue();
      const evicted = loser.queue[loser.queue.length - 1] as Waiter;
      dequeue(evicted);
      loser.counters.rejectedBy.overloaded += 1;
      const outcome = rejection(503, retryAfterSeconds(drainEstimateMs(loser, limitOf(loser))));
      if (evicted === w) return rejectLater(w, outcome);
      evicted.settle(outcome);
    }
    c.queued += 1;
    c.maxQueueLength = Math.max(c.maxQueueLength, t.queue.length);
    w.onAbort = () => {
      dequeue(w);
      c.aborted += 1;
      w.settle(rejection(503, 1));
    };
    w.signal.addEventListener('abort', w.onAbort, { once: true });
    w.deadline = clock.setTimer(t.limits.maxQueueWaitMs, () => {
      const limit = w.heavy ? limitAt(clock.now())(t) : t.limits.maxConcurrent;
      // Waiting on its own share or cap is the tenant's excess (429); waiting on the global
      // budgets is the server's (503).
      const status = (w.heavy ? t.heavyInFlight : t.inFlight) >= limit || t.inFlight >= t.limits.maxConcurrent ? 429 : 503;
      dequeue(w);
      c.rejectedBy.queueTimeout += 1;
      w.settle(rejection(status, retryAfterSeconds(drainEstimateMs(t, limit))));
    });
  }

  function admit(tenant: string, plan: string, signal: AbortSignal, cost: RequestCost = 'heavy'): Promise<Admission> {
    return new Promise<Admission>((settle) => {
      if (closed) return settle(rejection(503, 1));
      const now = clock.now();
      const t = tenantFor(tenant, plan, now);
      t.lastSeen = now;
      if (signal.aborted) {
        t.counters.aborted += 1;
        return settle(rejection(503, 1));
      }
      if (t.bucket !== null && t.limits.ratePerSecond !== null) {
        const taken = takeToken(t.bucket, { ratePerSecond: t.limits.ratePerSecond, burst: t.limits.burst }, now);
        t.bucket = taken.bucket;
        if (!taken.taken) {
          t.counters.rejectedBy.rateLimited += 1;
          return rejectLater({ settle, signal }, rejection(429, retryAfterSeconds(taken.retryAfterMs)));
        }
      }
      const heavyRate = heavyRateOf(t.limits);
      if (cost === 'heavy' && t.heavyBucket !== null && heavyRate !== null) {
        const taken = takeToken(t.heavyBucket, heavyRate, now);
        t.heavyBucket = taken.bucket;
        if (!taken.taken) {
          t.counters.rejectedBy.rateLimited += 1;
          return rejectLater({ settle, signal }, rejection(429, retryAfterSeconds(taken.retryAfterMs)));
        }
      }
      const w: Waiter = { tenant: t, enqueuedAt: now, heavy: cost === 'heavy', signal, settle, deadline: null, onAbort: null };
      if (!isBusy(t)) joinVirtualTime(t, tenants.values());
      t.queue.push(w);
      backlogged.add(t);
      queued += 1;
      dispatch();
      if (t.queue.includes(w)) wait(w, now);
    });
  }

  function close(): void {
    if (closed) return;
    closed = true;
    pauseTimer?.cancel();
    for (const t of [...backlogged]) {
      for (const w of [...t.queue]) {
        dequeue(w);
        t.counters.rejectedBy.overloaded += 1;
        w.settle(rejection(503, 1));
      }
    }
    for (const finish of [...delayed]) finish();
  }

  function stats(): FairnessStats {
    const out: FairnessStats = { globalConcurrency: cfg.globalConcurrency, inFlight, queued, tenants: {} };
    for (const t of tenants.values()) out.tenants[t.id] = tenantStats(t.planName, t.counters, t.inFlight, t.queue.length);
    return out;
  }

  return {
    admit,
    statementTimeoutMs: (plan) => limitsOf(plan).statementTimeoutMs,
    stats,
    close,
    [Symbol.dispose]: close,
  };
}
