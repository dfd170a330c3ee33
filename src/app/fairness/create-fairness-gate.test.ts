import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.ts';
import { createFairnessGate } from './create-fairness-gate.ts';
import { flush, never, testConfig, track, type Tracked } from './test-kit.ts';

/** Scheduling: caps, shares and the fair order. Deadlines and rejections: the -bounds test. */

const admitMany = (gate: ReturnType<typeof createFairnessGate>, tenant: string, n: number, plan = 'free'): Tracked[] =>
  Array.from({ length: n }, () => track(gate.admit(tenant, plan, never())));
const count = (ts: Tracked[]): number => ts.filter((t) => t.admitted).length;

describe('createFairnessGate: concurrency', () => {
  it('holds one tenant to its plan cap and admits the next waiter, in order, on release', async () => {
    const gate = createFairnessGate(testConfig({}, { free: { maxConcurrent: 2 } }), createManualClock());
    const reqs = admitMany(gate, 'a', 5);
    await flush();
    expect(reqs.map((r) => r.admitted)).toEqual([true, true, false, false, false]);
    reqs[0]!.release();
    await flush();
    expect(reqs.map((r) => r.admitted)).toEqual([true, true, true, false, false]);
    expect(gate.stats().tenants['a']).toMatchObject({ inFlight: 2, queueLength: 2, admitted: 3 });
  });

  it('holds all tenants together to the global budget', async () => {
    const gate = createFairnessGate(testConfig({ globalConcurrency: 3 }), createManualClock());
    const reqs = ['a', 'b', 'c', 'd'].flatMap((t) => admitMany(gate, t, 2));
    await flush();
    expect(count(reqs)).toBe(3);
    expect(gate.stats()).toMatchObject({ inFlight: 3, queued: 5 });
    reqs.filter((r) => r.admitted).forEach((r) => r.release());
    await flush();
    expect(count(reqs)).toBe(6);
    expect(gate.stats().inFlight).toBe(3);
  });

  it('shrinks a tenant to its weighted share of the shared budget while another is active', async () => {
    const clock = createManualClock();
    const config = testConfig({ sharedConcurrency: 2, activeWindowMs: 1_000 }, { pro: { maxConcurrent: 2 } });
    const gate = createFairnessGate(config, clock);
    // Alone, the aggressor (pro, weight 2) may use the whole shared budget of 2.
    const flood = admitMany(gate, 'aggressor', 6, 'pro');
    await flush();
    expect(count(flood)).toBe(2);
    // A free victim appears: weights 2 + 1, so the aggressor's share is ⌊2·2/3⌋ = 1.
    const victim = track(gate.admit('victim', 'free', never()));
    await flush();
    expect(victim.admitted).toBe(true);
    victim.release();
    flood[0]!.release();
    flood[1]!.release();
    await flush();
    expect(gate.stats().tenants['aggressor']!.inFlight).toBe(1);
    // The victim stays "active" for its window although idle: headroom is kept for it.
    clock.advance(999);
    flood[2]!.release();
    await flush();
    expect(gate.stats().tenants['aggressor']!.inFlight).toBe(1);
    // After the window, the aggressor has the budget to itself again (on its next event).
    clock.advance(1);
    flood[3]!.release();
    await flush();
    expect(gate.stats().tenants['aggressor']!.inFlight).toBe(2);
  });

  it('always lets a tenant hold at least one slot, however many tenants share', async () => {
    const gate = createFairnessGate(testConfig({ sharedConcurrency: 2 }), createManualClock());
    const reqs = ['a', 'b', 'c', 'd', 'e'].map((t) => track(gate.admit(t, 'free', never())));
    await flush();
    expect(count(reqs)).toBe(5);
  });
});

describe('createFairnessGate: fair order', () => {
  it("admits a quiet tenant's request ahead of an aggressor's queued backlog", async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ globalConcurrency: 2 }), clock);
    const flood = admitMany(gate, 'aggressor', 7);
    await flush();
    clock.advance(100);
    const quiet = track(gate.admit('quiet', 'free', never()));
    await flush();
    expect(quiet.admitted).toBe(false);
    flood[0]!.release();
    await flush();
    expect(quiet.admitted).toBe(true);
    expect(count(flood)).toBe(2);
    // The backlog resumes, oldest first, once the quiet tenant is served.
    flood[1]!.release();
    await flush();
    expect(flood.map((r) => r.admitted)).toEqual([true, true, true, false, false, false, false]);
  });

  it('serves round-robin among tenants that have received equal service', async () => {
    const gate = createFairnessGate(testConfig({ globalConcurrency: 1 }), createManualClock());
    const a = admitMany(gate, 'a', 3);
    const b = admitMany(gate, 'b', 3);
    const order: string[] = [];
    const released = new Set<Tracked>();
    for (let i = 0; i < 6; i++) {
      await flush();
      const held = [...a.map((r) => ['a', r] as const), ...b.map((r) => ['b', r] as const)].find(([, r]) => r.admitted && !released.has(r));
      if (held === undefined) break;
      order.push(held[0]);
      released.add(held[1]);
      held[1].release();
    }
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('gives backlogged tenants slot-time in proportion to plan weight', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ globalConcurrency: 1 }), clock);
    const served = { free: 0, pro: 0 };
    const loop = async (plan: 'free' | 'pro'): Promise<void> => {
      for (;;) {
        const a = await gate.admit(plan, plan, never());
        if (!('release' in a)) return;
        served[plan] += 1;
        await new Promise<void>((r) => clock.setTimer(10, r));
        a.release();
      }
    };
    void loop('free');
    void loop('pro');
    void loop('free');
    void loop('pro');
    for (let i = 0; i < 300; i++) {
      await flush();
      clock.advance(1);
    }
    gate.close();
    expect(served.free + served.pro).toBe(30);
    expect(served.pro).toBe(2 * served.free);
  });
});
