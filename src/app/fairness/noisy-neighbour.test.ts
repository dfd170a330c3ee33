import { describe, expect, it } from 'vitest';
import type { FairnessGate, RequestCost } from '../fairness-port.ts';
import { createManualClock, type ManualClock } from './clock.ts';
import { defaultFairnessConfig } from './config.ts';
import { createFairnessGate, type ManagedFairnessGate } from './create-fairness-gate.ts';
import { createPassThroughGate, type PassThroughGate } from './pass-through-gate.ts';
import { flush, never } from './test-kit.ts';

/**
 * The issue-6 experiment in miniature, on simulated time (DESIGN §8: no wall clock; the real
 * measurement is bench/'s): 2 cores shared by processor sharing, a pool of 10, three victims
 * at 20 requests/s each of 2 ms CPU, one aggressor looping on 50 connections over a 200 ms
 * report (declared heavy; the victims' reads light), all with the default config. The model leaves out the app's own CPU, so it checks
 * the gate's part of the claim: victims' latency stays near solo, the aggressor still works.
 */

interface Cpu {
  run(workMs: number): Promise<void>;
  tick(): void;
}

/** Processor sharing: each running job gets min(1, cores / jobs) ms of CPU per tick. */
function createCpu(cores: number): Cpu {
  const jobs = new Map<{ left: number }, () => void>();
  return {
    run: (workMs) => new Promise((done) => jobs.set({ left: workMs }, done)),
    tick() {
      const speed = Math.min(1, cores / Math.max(1, jobs.size));
      for (const [job, done] of jobs) {
        job.left -= speed;
        if (job.left <= 1e-9) {
          jobs.delete(job);
          done();
        }
      }
    },
  };
}

async function request(gate: FairnessGate, cpu: Cpu, clock: ManualClock, tenant: string, plan: string, workMs: number, cost: RequestCost): Promise<number | null> {
  const start = clock.now();
  const admission = await gate.admit(tenant, plan, never(), cost);
  if (!('release' in admission)) return null;
  await cpu.run(workMs);
  admission.release();
  return clock.now() - start;
}

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1] ?? NaN;

interface Outcome {
  /** Victim latencies (ms, simulated) of requests started after a 1 s warm-up. */
  victims: number[];
  /** Aggressor requests that completed. */
  aggressorDone: number;
  gate: ManagedFairnessGate | PassThroughGate;
}

/** Runs 5 simulated seconds against the gate `makeGate` builds on the experiment's clock. */
async function experiment(makeGate: (clock: ManualClock) => ManagedFairnessGate | PassThroughGate, aggressor: boolean): Promise<Outcome> {
  const clock = createManualClock();
  const gate = makeGate(clock);
  const cpu = createCpu(2);
  const end = 5_000;
  const out: Outcome = { victims: [], aggressorDone: 0, gate };
  const flood = async (): Promise<void> => {
    while (clock.now() < end) {
      const before = clock.now();
      if ((await request(gate, cpu, clock, 'aggressor', 'pro', 200, 'heavy')) !== null) out.aggressorDone += 1;
      // A gate that rejects at once would spin a closed loop forever in zero simulated time.
      if (clock.now() === before) await new Promise<void>((r) => clock.setTimer(1, r));
    }
  };
  if (aggressor) for (let i = 0; i < 50; i++) void flood();
  for (let t = 0; t < end; t++) {
    for (let v = 0; v < 3; v++) {
      if (t % 50 !== v * 10) continue;
      void request(gate, cpu, clock, `victim${v}`, 'free', 2, 'light').then((ms) => {
        if (t >= 1_000) out.victims.push(ms ?? Infinity);
      });
    }
    await flush();
    cpu.tick();
    clock.advance(1);
  }
  await flush();
  gate.close();
  return out;
}

const fair = (clock: ManualClock): ManagedFairnessGate => createFairnessGate(defaultFairnessConfig(10, 2), clock);

describe('noisy neighbour (simulated)', () => {
  it('without fairness the aggressor degrades victims ~25x; with the default gate they stay within 2x of solo', async () => {
    const solo = p99((await experiment(fair, false)).victims);
    const unfair = await experiment(() => createPassThroughGate(), true);
    const guarded = await experiment(fair, true);
    expect(solo).toBe(2);
    expect(p99(unfair.victims) / solo).toBeGreaterThan(10);
    expect(p99(guarded.victims) / solo).toBeLessThanOrEqual(2);
    // Not by starving the aggressor: one heavy query at a time at a quarter duty while the
    // victims are active — one of its 200 ms reports every 800 ms, about 6 over the 5 s.
    expect(guarded.aggressorDone).toBeGreaterThanOrEqual(5);
    const stats = (guarded.gate as ManagedFairnessGate).stats().tenants;
    expect(stats['aggressor']!.rejected).toBeGreaterThan(0);
    for (const v of ['victim0', 'victim1', 'victim2']) expect(stats[v]).toMatchObject({ rejected: 0, maxWaitMs: 0 });
  });
});
