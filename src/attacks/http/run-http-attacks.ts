import * as fc from 'fast-check';
import type { CheckResult, Finding } from '../../core/check.ts';
import { messageOf } from '../../core/errors.ts';
import { fingerprintOf } from '../../core/fingerprint.ts';
import { deriveSeed } from '../../core/seed-random.ts';
import { curlScript } from './exchange.ts';
import type { HttpProbe, HttpRun } from './http-probe.ts';
import type { HttpTarget } from './target.ts';

/** Options of {@link runHttpAttacks}. */
export interface HttpAttackOptions {
  probes: readonly HttpProbe<any>[];
  runSeed: number;
  /** Generated cases per probe (default 100). */
  runs?: number;
  /** Stop generating after this long for all probes (shrinking a found leak still completes). */
  timeBudgetMs?: number;
  /** Replay one recorded case: the fast-check path of the probe's counterexample. */
  path?: string;
  /** How to repeat a finding, e.g. `tenantguard selftest --flaw X`; seed, probe and path are appended. */
  replayPrefix?: string;
  /** Or the whole replay command of a finding (takes precedence over `replayPrefix`). */
  replayCommand?: (probe: string, path: string) => string;
  /** Called with each finding as soon as it is known (time to first detection). */
  onFinding?: (finding: Finding) => void;
  /** Called once per probe when its first leaking case runs (before shrinking). */
  onDetect?: (probe: string) => void;
  signal?: AbortSignal;
}

/** The seed of one HTTP probe: derived from the run seed, so a replay needs only that. */
export function httpProbeSeed(runSeed: number, probe: string): number {
  return deriveSeed(runSeed, `http-attack:${probe}`);
}

function toFinding(probe: HttpProbe<any>, target: HttpTarget, run: HttpRun, runSeed: number, path: string, shrinks: number, replayCommand: (probe: string, path: string) => string): Finding {
  const seed = httpProbeSeed(runSeed, probe.meta.id);
  const leak = run.leak!;
  const subject = { route: leak.route };
  const tenantId = (i: number | null) => (i === null ? null : (target.tenants[i]?.id ?? null));
  return {
    checkId: probe.meta.id,
    severity: probe.meta.severity,
    message: `${leak.what} (${probe.meta.title}; minimal case after ${shrinks} shrink step(s)).`,
    subject,
    fingerprint: fingerprintOf(probe.meta.id, subject),
    evidence: {
      attacker: { index: leak.attacker, id: tenantId(leak.attacker) },
      victim: { index: leak.victim, id: tenantId(leak.victim) },
      requests: run.exchanges.map((e) => ({ method: e.request.method, path: e.request.path, tenant: e.request.tenant, status: e.status, ...(e.request.burst ? { burst: e.request.burst } : {}) })),
      canaries: leak.canaries,
      excerpt: leak.excerpt,
    },
    reproduction: [`# tenantguard reproduction: ${probe.meta.id} (run seed ${runSeed}, probe seed ${seed}, path ${path}); the app's port is this run's`, `# ${leak.what}`, curlScript(target.url, run.exchanges, target.liveCredential)].join('\n'),
    replay: { seed: runSeed, path, command: replayCommand(probe.meta.id, path) },
  };
}

/**
 * Runs every HTTP probe against a running app: fast-check generates cases from the run seed
 * (one sequence per probe: cases share the app's pool, so they run one after another), each
 * case is judged by evidence (canaries of another tenant in any answer, or another tenant's
 * rows changed, then restored), and a leak is shrunk to a minimal case with curl commands and
 * a replay reference. A probe that throws is inconclusive.
 */
export async function runHttpAttacks(target: HttpTarget, options: HttpAttackOptions): Promise<CheckResult[]> {
  const runs = options.runs ?? 100;
  const deadline = options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeBudgetMs;
  const results: CheckResult[] = [];
  for (const probe of options.probes) {
    if (options.signal?.aborted) break;
    const began = performance.now();
    try {
      // A recorded path may carry the probe's replay hint after an `@` (see HttpProbe.replayHint).
      const at = options.path?.indexOf('@') ?? -1;
      const fcPath = at >= 0 ? options.path!.slice(0, at) : options.path;
      const arbitrary = probe.arbitrary(target, at >= 0 ? options.path!.slice(at + 1) : undefined);
      if (!arbitrary) {
        results.push({ meta: probe.meta, verdict: 'pass', findings: [], durationMs: 0, stats: { runs: 0, applicable: 0 } });
        continue;
      }
      let last: HttpRun | null = null;
      const property = fc.asyncProperty(arbitrary, async (c) => {
        const run = await probe.execute(c, target);
        if (run.leak) {
          if (!last) options.onDetect?.(probe.meta.id);
          last = run;
        }
        return run.leak === null;
      });
      const seed = httpProbeSeed(options.runSeed, probe.meta.id);
      const details = await fc.check(property, {
        seed,
        numRuns: runs,
        ...(fcPath ? { path: fcPath } : {}),
        ...(Number.isFinite(deadline) ? { interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false } : {}),
      });
      if (details.errorInstance && !(details.failed && last)) throw details.errorInstance;
      const findings: Finding[] = [];
      if (details.failed && details.counterexample && details.counterexamplePath !== null) {
        // Once more, so the evidence is exactly the minimal case's.
        const again = await probe.execute(details.counterexample[0], target);
        const run = again.leak ? again : last!;
        const hint = probe.replayHint?.(details.counterexample[0]);
        const path = hint ? `${details.counterexamplePath}@${hint}` : details.counterexamplePath;
        const finding = toFinding(probe, target, run, options.runSeed, path, details.numShrinks, options.replayCommand ?? ((id, p) => `${options.replayPrefix ?? 'tenantguard selftest'} --seed ${options.runSeed} --probe ${id} --path ${p}`));
        findings.push(finding);
        options.onFinding?.(finding);
      }
      const durationMs = performance.now() - began;
      results.push({ meta: probe.meta, verdict: findings.length > 0 ? 'fail' : details.numRuns === 0 ? 'inconclusive' : 'pass', findings, durationMs, stats: { runs: details.numRuns, applicable: 1, interrupted: details.interrupted ? 1 : 0 } });
    } catch (error) {
      results.push({ meta: probe.meta, verdict: 'inconclusive', findings: [], durationMs: performance.now() - began, error: messageOf(error) });
    }
  }
  return results;
}
