import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.ts';
import { createFairnessGate } from './create-fairness-gate.ts';
import { flush, never, testConfig, track } from './test-kit.ts';

/** Cost classes: heavy work is budgeted, paced and rate-limited; light work goes first. */

describe('createFairnessGate: cost classes', () => {
  it('holds heavy work to the global heavy budget, while light work still gets slots', async () => {
    const gate = createFairnessGate(testConfig({ heavyConcurrency: 1 }), createManualClock());
    const heavy = [track(gate.admit('a', 'free', never(), 'heavy')), track(gate.admit('b', 'free', never(), 'heavy'))];
    const light = track(gate.admit('c', 'free', never(), 'light'));
    await flush();
    expect(heavy.map((h) => h.admitted)).toEqual([true, false]);
    expect(light.admitted).toBe(true);
    heavy[0]!.release();
    await flush();
    expect(heavy[1]!.admitted).toBe(true);
  });

  it('does not hold light work to the weighted share, only to the plan cap', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ sharedConcurrency: 2 }, { free: { maxConcurrent: 3 } }), clock);
    // Another tenant is active: the share of `a` would be one slot.
    const other = track(gate.admit('b', 'free', never(), 'light'));
    const mine = Array.from({ length: 4 }, () => track(gate.admit('a', 'free', never(), 'light')));
    await flush();
    expect(other.admitted).toBe(true);
    expect(mine.map((m) => m.admitted)).toEqual([true, true, true, false]);
    // Heavy work of the same tenant is held to the share.
    const gate2 = createFairnessGate(testConfig({ sharedConcurrency: 2 }, { free: { maxConcurrent: 3 } }), createManualClock());
    track(gate2.admit('b', 'free', never(), 'heavy'));
    const heavy = Array.from({ length: 3 }, () => track(gate2.admit('a', 'free', never(), 'heavy')));
    await flush();
    expect(heavy.map((h) => h.admitted)).toEqual([true, false, false]);
  });

  it('serves queued light work before queued heavy work', async () => {
    const gate = createFairnessGate(testConfig({ globalConcurrency: 1 }), createManualClock());
    const first = track(gate.admit('a', 'free', never(), 'heavy'));
    const heavy = track(gate.admit('b', 'free', never(), 'heavy'));
    const light = track(gate.admit('c', 'free', never(), 'light'));
    await flush();
    first.release();
    await flush();
    expect(light.admitted).toBe(true);
    expect(heavy.admitted).toBe(false);
  });

  it('pauses heavy work as long as it ran (duty cycle 0.5) while others are active, not when alone', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({ heavyDutyCycle: 0.5 }), clock);
    const alone = track(gate.admit('a', 'free', never(), 'heavy'));
    await flush();
    clock.advance(100);
    alone.release();
    const again = track(gate.admit('a', 'free', never(), 'heavy'));
    await flush();
    expect(again.admitted).toBe(true); // nobody else active: no pause
    track(gate.admit('b', 'free', never(), 'light'));
    await flush();
    clock.advance(100);
    again.release();
    const paused = track(gate.admit('a', 'free', never(), 'heavy'));
    await flush();
    expect(paused.admitted).toBe(false);
    clock.advance(99);
    await flush();
    expect(paused.admitted).toBe(false);
    clock.advance(1);
    await flush();
    expect(paused.admitted).toBe(true);
  });

  it('rate-limits heavy work per plan apart from the request rate', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({}, { free: { heavyRatePerSecond: 1 } }), clock);
    // A burst of twice the rate, then 429 with the time to the next token.
    const heavy = Array.from({ length: 3 }, () => track(gate.admit('a', 'free', never(), 'heavy')));
    const light = track(gate.admit('a', 'free', never(), 'light'));
    await flush();
    expect(heavy.map((h) => h.admitted)).toEqual([true, true, false]);
    expect(heavy[2]!.rejected).toEqual({ status: 429, retryAfterSeconds: 1 });
    expect(light.admitted).toBe(true);
  });

  it('admits heavy work back to back only up to the plan’s heavy burst, so a flood’s opening reports are spread out', async () => {
    const clock = createManualClock();
    const gate = createFairnessGate(testConfig({}, { free: { heavyRatePerSecond: 10, heavyBurst: 1 } }), clock);
    const first = [track(gate.admit('a', 'free', never(), 'heavy')), track(gate.admit('a', 'free', never(), 'heavy'))];
    await flush();
    expect(first.map((h) => h.admitted)).toEqual([true, false]);
    clock.advance(100);
    const next = track(gate.admit('a', 'free', never(), 'heavy'));
    await flush();
    expect(next.admitted).toBe(true);
  });

  it('refuses a duty cycle or heavy rate that is not a sensible number', () => {
    const problems = (config: Parameters<typeof createFairnessGate>[0]) => {
      try {
        createFairnessGate(config);
      } catch (error) {
        return (error as { problems?: string[] }).problems ?? [];
      }
      return [];
    };
    expect(problems(testConfig({ heavyDutyCycle: 0 }))).toEqual([expect.stringMatching(/^heavyDutyCycle: must be a number above 0 and at most 1/)]);
    expect(problems(testConfig({ heavyConcurrency: 0 }))).toEqual([expect.stringMatching(/^heavyConcurrency/)]);
    expect(problems(testConfig({}, { pro: { heavyRatePerSecond: -1 } }))).toEqual([expect.stringMatching(/plans\.pro\.heavyRatePerSecond/)]);
    expect(problems(testConfig({}, { pro: { heavyBurst: 0 } }))).toEqual(['plans.pro.heavyBurst: must be an integer >= 1 (got 0)']);
  });
});
