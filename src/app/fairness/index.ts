/**
 * Per-tenant fairness controls for the reference data layer (`src/app/`): the app calls
 * `admit(tenant, plan, signal)` before it takes a pool connection and `release()` after, and
 * sets `statement_timeout` from `statementTimeoutMs(plan)`. Off means the app passes
 * `createPassThroughGate()` instead.
 *
 * ## Why not a plain per-tenant cap
 *
 * The experiment (issue 6) runs quiet victims at a low rate on light endpoints and one
 * aggressor on a heavy report with 50 connections, on 2 cores with a pool of 10. A cap of 2
 * per tenant still lets the aggressor run 2 CPU-bound queries on 2 cores, so every victim
 * query time-slices against them (measured ~4× victim p99). Queries cannot be preempted once
 * started, so the only way to keep victims near their solo latency is to keep CPU headroom
 * idle for them whenever they are around. Each part below serves that:
 *
 * 1. **Global budget** (`globalConcurrency`, default pool − 1). The gate, not the pool,
 *    decides who gets a connection: pg's pool queue is FIFO and tenant-blind, so it must
 *    never form. One connection stays outside the gate for tenant lookup and health checks.
 * 2. **Weighted share of a CPU-sized budget** (`sharedConcurrency`, default = cores). A
 *    tenant holds at most max(1, ⌊cores × weight / Σ weights of active tenants⌋) slots, and
 *    never more than its plan's `maxConcurrent`. With victims around, a free/pro/enterprise
 *    aggressor on 2 cores holds 1 slot, so 1 core stays free for everyone else. Alone, no
 *    tenant holds more than the core count: more concurrency only time-slices.
 * 3. **Activity window** (`activeWindowMs`, 5 s). A victim at a low rate is idle most of the
 *    time; if only in-flight tenants counted, the aggressor would take the whole budget
 *    between two victim requests and every victim request would land on saturated cores.
 *    Tenants seen recently keep their weight in the denominator, so headroom is reserved
 *    before their next request arrives.
 * 4. **Fair queue** (start-time fair queuing over measured hold time, `tenant-state.ts`).
 *    When slots are short, the backlogged tenant that has received the least weighted
 *    slot-time goes next; idle tenants rejoin at the busy tenants' least virtual time (no
 *    banked credit). Cost is measured, not declared: the gate never knows the endpoint, but a
 *    tenant running heavy reports accrues virtual time fast, so a quiet tenant's newcomer is
 *    served ahead of its whole backlog.
 * 5. **Bounded queues** (`maxQueued`, `maxQueueWaitMs` per plan, `maxGlobalQueued`). A
 *    backlog only converts overload into latency. A full tenant queue is 429 (its own
 *    excess); a wait past the deadline is 429 if the tenant was held by its own share, 503 if
 *    by the global budget; global overflow evicts from the longest weighted queue, so a
 *    flood never pushes out a quiet tenant's request. Retry-After comes from the tenant's
 *    measured cost and queue depth.
 * 6. **Token bucket** per tenant (`ratePerSecond`, `burst` per plan): 429 with the seconds
 *    until a token. Concurrency bounds database work; the rate bounds the app's own CPU.
 * 7. **Rejection delay** (`rejectionDelayMs`, 1 s, spread ±50% by `rejectionJitter`). A
 *    flood client in a closed loop retries the moment it is rejected: instant 429s would
 *    become a tight loop that burns the cores the victims need. Delayed, 50 connections make
 *    ≤ 50 rejections/s (at 200 ms, 250/s of rejections alone doubled the app's request rate in
 *    the load experiment). Spread, a flood rejected together does not come back together as
 *    one burst per second. A client that goes away gets its rejection at once (no timer
 *    outlives the request).
 * 8. **Statement timeout** per plan: bounds how long one admitted heavy query can hold its
 *    slot (and its core), since nothing preempts it.
 * 9. **Cost classes** (`RequestCost`, declared per route). Heavy requests (reports, searches)
 *    take a slot of a small global heavy budget (`heavyConcurrency`, half the cores: on 2
 *    cores one heavy query at a time), their own per-plan rate (`heavyRatePerSecond`) with a
 *    small burst (`heavyBurst`: a flood's opening reports do not run end to end), the
 *    weighted share, and a duty cycle while others are active (`heavyDutyCycle`, 0.25: heavy
 *    work pauses three times as long as it ran; at 0.5 a 50 ms report still left quiet
 *    tenants one core for ~45% of the time, measured 2.4× their p99 in one bench run). Light requests skip the share (only the plan's cap and
 *    rate apply) and are dispatched first. A plain per-tenant cap cannot do this: a quiet
 *    tenant's lookups end up waiting behind their own share or for a core a neighbour's
 *    reports keep busy — measured at about 4× the victims' p99 here; the classes bring the
 *    victims' pooled p99 to about 1.05–1.35× (bench/load.ts, `npm run bench`).
 *
 * The design gives up work conservation on purpose: a core kept idle for victims is the
 * price of their latency. Admitted slots are released on `release()` or when the request's
 * signal aborts, whichever is first; the app must cancel its query on the same signal (or
 * rely on the statement timeout), else an aborted request's query runs on outside the share.
 * Each decision is O(tenants), fine for the hundreds of tenants a run seeds.
 */
export { createManualClock, systemClock, type Clock, type ClockTimer, type ManualClock } from './clock.ts';
export { defaultFairnessConfig, referencePlans, type FairnessConfig, type PlanLimits } from './config.ts';
export { createFairnessGate, type ManagedFairnessGate } from './create-fairness-gate.ts';
export { createPassThroughGate, type PassThroughGate } from './pass-through-gate.ts';
export type { FairnessStats, RejectionCounts, TenantFairnessStats } from './stats.ts';
export type { Admission } from './tenant-state.ts';
export { fairnessConfigProblems, validateFairnessConfig } from './validate-config.ts';
