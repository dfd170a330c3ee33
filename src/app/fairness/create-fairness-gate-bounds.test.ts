import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.ts';
import { createFairnessGate } from './create-fairness-gate.ts';
import { flush, never, testConfig, track } from './test-kit.ts';

/** Rejections and lifecycles: rate, queue bounds, deadlines, aborts, timeouts, stats, close. */

describe('createFairnessGate: token bucket', () => {
  it('rejects with 429 and the seconds until a token, and refills with the clock', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({}, { free: { ratePerSecond: 0.25, burst: 2 } }), clock);
    const first = [track(gate.admit('a', 'free', never())), track(gate.admit('a', 'free', never()))];
    const third = track(gate.admit('a', 'free', never()));
    await flush();
    expect(first.every((r) => r.admitted)).toBe(true);
    expect(third.rejected).toEqual({ status: 429, retryAfterSeconds: 4 });
    clock.advance(3_001);
    const early = track(gate.admit('a', 'free', never()));
    clock.advance(998);
    const stillEarly = track(gate.admit('a', 'free', never()));
    clock.advance(1);
    const onTime = track(gate.admit('a', 'free', never()));
    await flush();
    expect(early.rejected).toEqual({ status: 429, retryAfterSeconds: 1 });
    expect(stillEarly.rejected?.status).toBe(429);
    expect(onTime.admitted).toBe(true);
    expect(gate.stats().tenants['a']!.rejectedBy.rateLimited).toBe(3);
  });

  it('keeps one bucket per tenant', async () => {
    const gate = createFairnessGate(testConfig({}, { free: { ratePerSecond: 1, burst: 1 } }), createManualClock());
    const reqs = ['a', 'a', 'b'].map((t) => track(gate.admit(t, 'free', never())));
    await flush();
    expect(reqs.map((r) => r.admitted)).toEqual([true, false, true]);
  });

  it('delays arrival rejections by rejectionDelayMs, unless the client goes away', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ rejectionDelayMs: 200 }, { free: { ratePerSecond: 1, burst: 1 } }), clock);
    track(gate.admit('a', 'free', never()));
    const slow = track(gate.admit('a', 'free', never()));
    const gone = new AbortController();
    const leaving = track(gate.admit('a', 'free', gone.signal));
    gone.abort();
    await flush();
    expect(slow.outcome).toBeUndefined();
    expect(leaving.rejected?.status).toBe(429);
    clock.advance(200);
    await flush();
    expect(slow.rejected).toEqual({ status: 429, retryAfterSeconds: 1 });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('createFairnessGate: rejection jitter', () => {
  it('spreads the delays of a flood rejected together over ±jitter, so it does not come back together', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ rejectionDelayMs: 1000, rejectionJitter: 0.5 }, { free: { ratePerSecond: 1, burst: 1 } }), clock);
    track(gate.admit('a', 'free', never()));
    const flood = Array.from({ length: 40 }, () => track(gate.admit('a', 'free', never())));
    const settled = () => flood.filter((r) => r.outcome !== undefined).length;
    const counts: number[] = [];
    let now = 0;
    for (const at of [499, 750, 1000, 1250, 1500]) {
      clock.advance(at - now);
      now = at;
      await flush();
      counts.push(settled());
    }
    // None before 500 ms, all by 1500 ms, and about a quarter in each quarter of the window.
    expect(counts[0]).toBe(0);
    expect(counts[4]).toBe(40);
    for (const [i, n] of [counts[1]!, counts[2]! - counts[1]!, counts[3]! - counts[2]!, counts[4]! - counts[3]!].entries()) expect(n, `quarter ${i + 1}`).toBeGreaterThanOrEqual(7);
  });
});

describe('createFairnessGate: queue bounds', () => {
  it("rejects beyond the tenant's queue with 429 and a Retry-After from its measured cost", async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({}, { free: { maxConcurrent: 1, maxQueued: 2 } }), clock);
    const warm = track(gate.admit('a', 'free', never()));
    await flush();
    clock.advance(1_500);
    warm.release(); // the tenant's requests hold a slot 1.5 s
    const reqs = Array.from({ length: 4 }, () => track(gate.admit('a', 'free', never())));
    await flush();
    expect(reqs.map((r) => r.admitted)).toEqual([true, false, false, false]);
    // Two queued ahead plus itself at 1.5 s each over 1 slot: 4.5 s.
    expect(reqs[3]!.rejected).toEqual({ status: 429, retryAfterSeconds: 5 });
    expect(gate.stats().tenants['a']).toMatchObject({ queueLength: 2, rejected: 1, queued: 2 });
  });

  it('on global overflow evicts from the longest queue, never the quiet newcomer', async () => {
    const gate = createFairnessGate(testConfig({ globalConcurrency: 1, maxGlobalQueued: 2 }), createManualClock());
    const flood = Array.from({ length: 3 }, () => track(gate.admit('aggressor', 'free', never())));
    const quiet = track(gate.admit('quiet', 'free', never()));
    await flush();
    expect(flood[2]!.rejected?.status).toBe(503);
    expect(quiet.outcome).toBeUndefined();
    flood[0]!.release();
    await flush();
    expect(quiet.admitted).toBe(true);
    expect(gate.stats().tenants['aggressor']!.rejectedBy.overloaded).toBe(1);
  });

  it('turns a request away after maxQueueWaitMs: 429 when held by its own share, 503 by the global budget', async () => {
    const clock = createManualClock();
    const config = testConfig({ globalConcurrency: 2 }, { free: { maxConcurrent: 1, maxQueueWaitMs: 1_000 } });
    const gate = createFairnessGate(config, clock);
    track(gate.admit('a', 'free', never()));
    const ownShare = track(gate.admit('a', 'free', never()));
    track(gate.admit('b', 'free', never()));
    const global = track(gate.admit('c', 'free', never()));
    clock.advance(999);
    await flush();
    expect([ownShare.outcome, global.outcome]).toEqual([undefined, undefined]);
    clock.advance(1);
    await flush();
    expect(ownShare.rejected?.status).toBe(429);
    expect(global.rejected?.status).toBe(503);
    expect(gate.stats().queued).toBe(0);
  });
});

describe('createFairnessGate: aborts', () => {
  it('withdraws a waiting request whose signal aborts (503, never admitted later)', async () => {
    const gate = createFairnessGate(testConfig({}, { free: { maxConcurrent: 1 } }), createManualClock());
    const holder = track(gate.admit('a', 'free', never()));
    const ctl = new AbortController();
    const waiting = track(gate.admit('a', 'free', ctl.signal));
    ctl.abort();
    await flush();
    expect(waiting.rejected?.status).toBe(503);
    holder.release();
    await flush();
    expect(gate.stats().tenants['a']).toMatchObject({ inFlight: 0, queueLength: 0, aborted: 1, admitted: 1 });
  });

  it('releases a held slot when its signal aborts, once, even if release() follows', async () => {
    const gate = createFairnessGate(testConfig({}, { free: { maxConcurrent: 1 } }), createManualClock());
    const ctl = new AbortController();
    const holder = track(gate.admit('a', 'free', ctl.signal));
    const next = track(gate.admit('a', 'free', never()));
    await flush();
    ctl.abort();
    await flush();
    expect(next.admitted).toBe(true);
    holder.release();
    holder.release();
    expect(gate.stats()).toMatchObject({ inFlight: 1 });
  });

  it('turns away an already-aborted request without spending a token', async () => {
    const gate = createFairnessGate(testConfig({}, { free: { ratePerSecond: 1, burst: 1 } }), createManualClock());
    const dead = track(gate.admit('a', 'free', AbortSignal.abort()));
    const live = track(gate.admit('a', 'free', never()));
    await flush();
    expect(dead.rejected?.status).toBe(503);
    expect(live.admitted).toBe(true);
  });
});

describe('createFairnessGate: plans, stats, lifecycle', () => {
  it('sets the statement timeout by plan, unknown plans getting the fallback', () => {
    const config = testConfig({}, { free: { statementTimeoutMs: 5_000 }, pro: { statementTimeoutMs: 15_000 } });
    const gate = createFairnessGate(config, createManualClock());
    expect(['free', 'pro', 'enterprise', 'gold'].map((p) => gate.statementTimeoutMs(p))).toEqual([5_000, 15_000, null, 5_000]);
  });

  it('reports per-tenant stats', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({}, { free: { maxConcurrent: 1, maxQueued: 1 } }), clock);
    const reqs = Array.from({ length: 3 }, () => track(gate.admit('a', 'free', never())));
    track(gate.admit('b', 'pro', never()));
    await flush();
    clock.advance(250);
    reqs[0]!.release();
    await flush();
    expect(gate.stats()).toEqual({
      globalConcurrency: 100,
      inFlight: 2,
      queued: 0,
      tenants: {
        a: {
          plan: 'free', admitted: 2, queued: 1, rejected: 1, aborted: 0, inFlight: 1, queueLength: 0,
          rejectedBy: { rateLimited: 0, queueFull: 1, queueTimeout: 0, overloaded: 0 },
          maxInFlight: 1, maxQueueLength: 1, maxWaitMs: 250, totalWaitMs: 250,
        },
        b: expect.objectContaining({ plan: 'pro', admitted: 1, inFlight: 1, maxWaitMs: 0 }),
      },
    });
  });

  it('close() turns away waiting and later requests and leaves no timers', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ rejectionDelayMs: 200 }, { free: { maxConcurrent: 1, ratePerSecond: 1, burst: 2 } }), clock);
    const holder = track(gate.admit('a', 'free', never()));
    const waiting = track(gate.admit('a', 'free', never()));
    const delayed = track(gate.admit('a', 'free', never()));
    gate.close();
    const late = track(gate.admit('b', 'free', never()));
    await flush();
    expect([waiting.rejected?.status, delayed.rejected?.status, late.rejected?.status]).toEqual([503, 429, 503]);
    expect(clock.pendingTimers()).toBe(0);
    holder.release();
    expect(gate.stats().inFlight).toBe(0);
  });
});
