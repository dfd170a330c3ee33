import * as fc from 'fast-check';
import type { CheckResult, Finding } from '../core/check.ts';
import { messageOf } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import { fingerprintOf } from '../core/fingerprint.ts';
import { deriveSeed } from '../core/seed-random.ts';
import type { AttackEnv, Probe, ProbeCase, ProbeRun } from './probe.ts';
import { replayCommand, reproductionScript, type ReplayRef } from './reproduction.ts';

/** Options of {@link runAttacks}. */
export interface AttackOptions {
  probes: readonly Probe[];
  runSeed: number;
  /** Generated cases per probe (default 1000). */
  runs?: number;
  /** Stop generating after this long for the whole phase (shrinking a found leak still completes). */
  timeBudgetMs?: number;
  /** Concurrent shards per probe, one connection each (default 4). */
  shards?: number;
  scenarioFile?: string | null;
  /** Arguments the replay command needs to seed the same data (e.g. `--tenants 3 --rows 4`). */
  replayArgs?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** The seed of one shard of one probe: derived, so a replay needs only the run seed. */
export function shardSeed(runSeed: number, probe: string, shard: number): number {
  return deriveSeed(runSeed, `attack:${probe}:${shard}`);
}

interface ShardOutcome {
  runs: number;
  failure: { ref: ReplayRef; run: ProbeRun; shrinks: number } | null;
  interrupted: boolean;
}

async function runShard<C extends ProbeCase>(probe: Probe<C>, arbitrary: fc.Arbitrary<C>, env: AttackEnv, ref: { runSeed: number; shard: number }, runs: number, deadline: number, path?: string): Promise<ShardOutcome> {
  let last: ProbeRun | null = null;
  const property = fc.asyncProperty(arbitrary, async (c) => {
    const run = await probe.execute(c, env);
    if (run.leak) last = run;
    return run.leak === null;
  });
  const details = await fc.check(property, {
    seed: shardSeed(ref.runSeed, probe.meta.id, ref.shard),
    numRuns: runs,
    ...(path ? { path } : {}),
    ...(Number.isFinite(deadline) ? { interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false } : {}),
  });
  if (details.errorInstance && !(details.failed && last)) throw details.errorInstance;
  if (!details.failed || details.counterexample === null || details.counterexamplePath === null) {
    return { runs: details.numRuns, failure: null, interrupted: details.interrupted };
  }
  // Run the minimal case once more so the evidence is exactly the counterexample's.
  const run = await probe.execute(details.counterexample[0], env);
  const final = run.leak ? run : last!;
  return {
    runs: details.numRuns,
    interrupted: details.interrupted,
    failure: { ref: { probe: probe.meta.id, runSeed: ref.runSeed, shard: ref.shard, path: details.counterexamplePath }, run: final, shrinks: details.numShrinks },
  };
}

function toFinding(probe: Probe, env: AttackEnv, failure: NonNullable<ShardOutcome['failure']>, scenarioFile: string | null, replayArgs = ''): Finding {
  const leak = failure.run.leak!;
  const [schema, table] = leak.target.includes('.') ? leak.target.split('.', 2) : ['public', leak.target];
  const subject = { schema: schema!, table: table! };
  // The attacker's request is the last one; earlier attempts may be a victim's or a priming request.
  const attacker = failure.run.attempts[failure.run.attempts.length - 1]?.context ?? null;
  return {
    checkId: probe.meta.id,
    severity: leak.severity ?? probe.meta.severity,
    message: `${leak.what} (${probe.meta.title}; minimal case after ${failure.shrinks} shrink step(s)).`,
    subject,
    fingerprint: fingerprintOf(probe.meta.id, subject),
    evidence: {
      victim: { index: leak.victim, id: env.manifest.tenants[leak.victim]?.id },
      context: attacker,
      statements: failure.run.attempts.flatMap((a) => a.statements),
      canaries: leak.canaries,
      excerpt: leak.excerpt,
    },
    reproduction: reproductionScript(env, failure.run.attempts, leak, failure.ref),
    replay: { seed: failure.ref.runSeed, path: failure.ref.path, command: replayCommand(failure.ref, scenarioFile, replayArgs) },
  };
}

/**
 * Runs every probe: fast-check generates cases from the run seed (per probe and shard), each
 * case runs as the app inside a rolled-back transaction, and a leak is shrunk to a minimal
 * case with a reproduction script and a replay command. A probe that throws is inconclusive.
 */
export async function runAttacks(env: AttackEnv, options: AttackOptions): Promise<CheckResult[]> {
  const onEvent = options.onEvent ?? ignoreEvents;
  const runs = options.runs ?? 1000;
  const shards = Math.max(1, options.shards ?? 4);
  const deadline = options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeBudgetMs;
  const results: CheckResult[] = [];
  for (const [i, probe] of options.probes.entries()) {
    if (options.signal?.aborted) break;
    onEvent({ type: 'progress', phase: 'attack', done: i, total: options.probes.length, detail: probe.meta.id });
    const began = performance.now();
    try {
      const arbitrary = probe.arbitrary(env);
      if (!arbitrary) {
        results.push({ meta: probe.meta, verdict: 'pass', findings: [], durationMs: 0, stats: { runs: 0, applicable: 0 } });
        continue;
      }
      const perShard = Math.ceil(runs / shards);
      const outcomes = await Promise.all(Array.from({ length: shards }, (_, shard) => runShard(probe, arbitrary, env, { runSeed: options.runSeed, shard }, perShard, deadline)));
      const findings = new Map<string, Finding>();
      for (const outcome of outcomes) {
        if (!outcome.failure) continue;
        const finding = toFinding(probe, env, outcome.failure, options.scenarioFile ?? null, options.replayArgs);
        if (!findings.has(finding.fingerprint)) findings.set(finding.fingerprint, finding);
      }
      const total = outcomes.reduce((n, o) => n + o.runs, 0);
      const durationMs = performance.now() - began;
      if (total === 0 && findings.size === 0) {
        results.push({ meta: probe.meta, verdict: 'inconclusive', findings: [], durationMs, error: 'the time budget ran out before any case ran', stats: { runs: 0, applicable: 1 } });
        continue;
      }
      results.push({
        meta: probe.meta,
        verdict: findings.size > 0 ? 'fail' : 'pass',
        findings: [...findings.values()],
        durationMs,
        stats: { runs: total, applicable: 1, interrupted: outcomes.some((o) => o.interrupted) ? 1 : 0, attacksPerSecond: Math.round((total * 1000) / Math.max(1, durationMs)) },
      });
    } catch (error) {
      results.push({ meta: probe.meta, verdict: 'inconclusive', findings: [], durationMs: performance.now() - began, error: messageOf(error) });
    }
  }
  return results;
}

/** Replays one shard of one probe with its recorded path: the exact minimal case, shrunk again if needed. */
export async function replayProbe(env: AttackEnv, probe: Probe, ref: ReplayRef, scenarioFile: string | null, replayArgs = ''): Promise<Finding | null> {
  const arbitrary = probe.arbitrary(env);
  if (!arbitrary) return null;
  const outcome = await runShard(probe, arbitrary, env, { runSeed: ref.runSeed, shard: ref.shard }, 1, Date.now() + 3600_000, ref.path);
  return outcome.failure ? toFinding(probe, env, outcome.failure, scenarioFile, replayArgs) : null;
}
