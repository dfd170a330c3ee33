import { withSeededReference } from './reference-db.ts';
import { createServer } from 'node:http';
import { startReferenceApp } from '../src/app/start-app.ts';
import { runLoad, type LoadSample, type LoadSpec } from '../src/load/driver.ts';
import { runLoadExperiment, type LoadOutcome, type LoadRun } from '../src/load/experiment.ts';
import { defaultLoadBudgets, judgeStep } from '../src/load/judge.ts';
import { loadProfiles } from '../src/load/profiles.ts';
import { readCast, type LoadTenant } from '../src/load/targets.ts';
import { fmt } from './stats.ts';

const profile = loadProfiles.short;
const budgets = defaultLoadBudgets;
const ceilingConnections = 50;
const ceilingSeconds = 4;
/** Alternating rounds, so the machine's noise hits the generator and the app alike; the median round is shown. */
const ceilingRounds = 3;

type AppRole = { name: string; password: string };

/** The round with the median throughput (a real measured sample, not a blend of rounds). */
function medianRound(samples: LoadSample[]): LoadSample {
  return [...samples].sort((a, b) => a.throughput - b.throughput)[Math.floor(samples.length / 2)]!;
}

/**
 * How fast the load generator itself can go: `runLoad` (autocannon in a child process, closed
 * loop) against a `node:http` server in this process that answers `{"ok":true}` at once, next
 * to the reference app's light endpoint under the same load. If the app were near the first
 * number, the experiment would be measuring the generator, not the app.
 */
async function measureCeiling(adminUrl: string, appRole: AppRole, tenant: LoadTenant, log: (text: string) => void) {
  const body = JSON.stringify({ ok: true });
  const constant = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
  await new Promise<void>((resolve) => constant.listen(0, '127.0.0.1', resolve));
  const port = (constant.address() as { port: number }).port;
  const app = await startReferenceApp({ databaseUrl: adminUrl, appRole, poolSize: profile.poolSize, log: () => {} });
  const generator: LoadSample[] = [];
  const light: LoadSample[] = [];
  try {
    const token = await app.mintToken(tenant.id, tenant.user);
    const closed = (label: string, url: string, paths: string[], headers: Record<string, string>): LoadSpec => ({ label, url, paths, headers, connections: ceilingConnections, durationSeconds: ceilingSeconds });
    for (let round = 1; round <= ceilingRounds; round++) {
      log(`  ceiling round ${round}/${ceilingRounds}: constant node:http server, then the app's /projects/{id}…`);
      generator.push((await runLoad([closed('constant node:http', `http://127.0.0.1:${port}`, ['/'], {})]))[0]!);
      light.push((await runLoad([closed('reference app /projects/{id}', app.url, tenant.ids.map((id) => `/projects/${id}`), { authorization: `Bearer ${token}` })]))[0]!);
    }
  } finally {
    await app.close();
    await new Promise((resolve) => constant.close(resolve));
  }
  return { generator, light };
}

const us = (n: number) => (Number.isFinite(n) ? fmt(n) : String(n));
const range = (s: { median: number; min: number; max: number }, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const is2xx = (statuses: Record<string, number>) => Object.entries(statuses).reduce((n, [code, count]) => (code.startsWith('2') ? n + count : n), 0);

/** The experiment's steps as columns, one row per measure. */
function stepTable(outcome: LoadOutcome): string[] {
  const { steps } = outcome.summary;
  const runsOf = (s: (typeof steps)[number]) => outcome.runs.filter((r) => r.pattern === s.pattern && r.aggressorConnections === s.aggressorConnections && r.fairness === s.fairness);
  const baseOf = (run: LoadRun) => outcome.runs.find((r) => r.pattern === null && r.repeat === run.repeat && r.fairness === run.fairness)!;
  const worst = (samples: LoadSample[]) => Math.max(...samples.map((v) => v.latencyUs.p99));
  const rows: [string, (s: (typeof steps)[number]) => string][] = [
    ['victims’ p99 alone, µs (all victims and repeats pooled)', (s) => `${us(s.baselineP99Us)} (${fmt(s.samples.alone)} requests)`],
    ['victims’ p99 contended, µs (pooled)', (s) => `${us(s.victimP99Us)} (${fmt(s.samples.contended)} requests)`],
    ['**p99 ratio contended ÷ alone (pooled; gated)**', (s) => `**${s.ratio.toFixed(2)}**`],
    ['pooled ratio per repeat, median (min–max)', (s) => range(s.ratioByRepeat)],
    ['each victim over all repeats: ratio', (s) => s.victims.map((v) => `${v.label} ${v.ratio.toFixed(2)}`).join('; ')],
    ['worst single victim per repeat, median (min–max)', (s) => range(s.worstVictimRatio)],
    ['per repeat: worst p99 alone → contended, µs', (s) => runsOf(s).map((r) => `${us(worst(baseOf(r).victims))} → ${us(worst(r.victims))}`).join('; ')],
    ['victim errors / rejected (429, 503), all repeats', (s) => `${s.victimErrors} / ${s.victimRejected}`],
    ['aggressor 2xx / rejected, all repeats', (s) => `${fmt(runsOf(s).reduce((n, r) => n + is2xx(r.aggressor?.statuses ?? {}), 0))} / ${fmt(s.aggressorRejected)}`],
    ['Jain index, victims’ delivered ÷ offered (median)', (s) => s.jain.median.toFixed(3)],
    ['aggressor share of sampled DB time (median)', (s) => (s.aggressorDbShare === null ? 'n/a' : `${(s.aggressorDbShare * 100).toFixed(0)}%`)],
    ['step verdict', (s) => (s.fairness ? `**${s.verdict}**` : `${s.verdict} (not gated)`)],
  ];
  return [
    `| | ${steps.map((s) => `${s.pattern} ×${s.aggressorConnections}, fairness ${s.fairness ? 'on' : 'off'}`).join(' | ')} |`,
    `|---|${steps.map(() => '---:').join('|')}|`,
    ...rows.map(([name, cell]) => `| ${name} | ${steps.map(cell).join(' | ')} |`),
  ];
}

/** The setup a reader needs to interpret the numbers. */
function setupLines(outcome: LoadOutcome, serverVersion: string): string[] {
  const { setup } = outcome;
  const f = setup.fairness!; // the reference app: fairness off, then on
  const heavy = Object.entries(f.plans).map(([plan, limits]) => `${plan} ${limits.heavyRatePerSecond ?? '∞'}/s (burst ${limits.heavyBurst ?? (limits.heavyRatePerSecond ?? 0) * 2})`).join(', ');
  return [
    `Embedded PostgreSQL ${serverVersion}, reference schema seeded with 6 tenants × 300 rows per table (seed 4); the app, Postgres and every load driver share ${setup.cores} cores. Profile \`${profile.name}\`: ${profile.repeats} repeats × (baseline + each step) of ${profile.stepSeconds} s after a ${profile.warmupSeconds} s warm-up, a fresh app per repeat and fairness setting, app pool ${setup.poolSize}.`,
    `Aggressor: tenant #${setup.aggressor.index} (plan ${setup.aggressor.plan}), \`GET /reports/summary\` in a closed loop on ${profile.aggressorSteps.join(', ')} connections. Victims: ${setup.victims.map((v) => `#${v.index} (${v.plan})`).join(', ')}, each ${setup.victimRate} req/s open loop over ${setup.victimConnections} connections on light reads (\`/projects/{id}\`, \`/projects?limit=20\`).`,
    `Fairness on (defaults for pool ${setup.poolSize} on ${setup.cores} cores): globalConcurrency ${f.globalConcurrency}, sharedConcurrency ${f.sharedConcurrency}, heavyConcurrency ${f.heavyConcurrency ?? 'unbounded'}, heavyDutyCycle ${f.heavyDutyCycle ?? 1}, heavy rate per plan ${heavy}, rejectionDelayMs ${f.rejectionDelayMs} ± ${Math.round((f.rejectionJitter ?? 0) * 100)}%. Budgets: victim p99 ≤ ${budgets.victimP99Ratio}× its baseline, failures < ${(budgets.victimErrorRate * 100).toFixed(0)}%, ≥ ${budgets.minSamples} samples, ≤ ${(budgets.maxOmittedRate * 100).toFixed(0)}% omitted sends.`,
  ];
}

/**
 * The noisy-neighbour experiment (short profile, default budgets) with fairness off and on,
 * and the load generator's own ceiling next to the app's light endpoint.
 */
export async function benchLoad(log: (text: string) => void): Promise<string> {
  return withSeededReference({ tenants: 6, rowsPerTable: 300, seed: 4 }, async ({ db, manifest, appRole }) => {
    const cast = await readCast(db.adminUrl, manifest, profile.victims);
    const ceiling = await measureCeiling(db.adminUrl, appRole, cast.victims[0]!, log);
    log(`  experiment (profile ${profile.name})…`);
    const outcome = await runLoadExperiment({
      adminUrl: db.adminUrl,
      appRole,
      manifest,
      profile,
      budgets,
      onEvent: (event) => {
        if (event.type === 'progress' && event.detail) log(`    ${event.detail}`);
      },
    });
    const generator = medianRound(ceiling.generator);
    const light = medianRound(ceiling.light);
    const rls = outcome.rlsOverhead;
    const verdicts = outcome.summary.results.map((r) => `\`${r.meta.id}\` **${r.verdict}**${r.error ? ` (${r.error})` : ''}`).join('; ');
    // Why each repeat got its verdict: judgeStep lists failures, then doubts, then notes, so its first reason is the deciding one.
    const why = outcome.runs.filter((r) => r.pattern !== null).map((r) => {
      const base = outcome.runs.find((b) => b.pattern === null && b.repeat === r.repeat && b.fairness === r.fairness)!;
      const judged = judgeStep({ victims: { alone: base.victims, contended: r.victims }, fairness: r.fairness, budgets, gateEachRatio: false });
      return `${r.pattern} ×${r.aggressorConnections}, fairness ${r.fairness ? 'on' : 'off'}, repeat ${r.repeat}: ${judged.verdict} — ${judged.reasons[0] ?? ''}${judged.reasons.length > 1 ? ` (+${judged.reasons.length - 1} more)` : ''}`;
    });
    for (const s of outcome.summary.steps) log(`    ${s.pattern} ×${s.aggressorConnections} fairness ${s.fairness ? 'on' : 'off'}: ratio ${s.ratio.toFixed(2)} pooled, per repeat ${range(s.ratioByRepeat)}, ${s.verdict}`);
    return [
      '## Noisy neighbour (load experiment)',
      '',
      ...setupLines(outcome, db.summary.serverVersion).flatMap((line) => [line, '']),
      ...stepTable(outcome),
      '',
      `Check: ${verdicts}; the whole experiment took ${(outcome.durationMs / 1000).toFixed(0)} s. A step fails when the victims' p99 pooled over all victims and repeats exceeds the budget ratio of their pooled baseline p99, or when at least half its repeats exceed the failure budget; fairness-off steps are measured, never gated.`,
      '',
      ...why.map((line) => `- ${line}`),
      '',
      'Edge points (the lowest aggressor load at which the victims’ pooled p99 ratio exceeds the budget; — = never, at the loads measured):',
      '',
      '| pattern | fairness | objective (p99 ratio) | edge (aggressor connections) |',
      '|---|---|---:|---:|',
      ...outcome.summary.edgePoints.map((e) => `| ${e.pattern} | ${e.fairness ? 'on' : 'off'} | ${e.objectiveRatio}× | ${e.edge ?? '—'} |`),
      '',
      rls
        ? `RLS overhead (one victim's light reads, closed loop, 8 connections, ${profile.rlsSeconds} s each): through policies ${fmt(rls.withPolicies.throughput)} req/s (p50 ${us(rls.withPolicies.latencyUs.p50)} µs), BYPASSRLS role with the same explicit filters ${fmt(rls.bypassingPolicies.throughput)} req/s (p50 ${us(rls.bypassingPolicies.latencyUs.p50)} µs): throughput ratio **${rls.throughputRatio.toFixed(2)}**, p50 ratio **${rls.p50Ratio.toFixed(2)}** (1 = no overhead).`
        : 'RLS overhead: not measured.',
      '',
      `### The load generator's ceiling`,
      '',
      `\`runLoad\` (autocannon in a child process), closed loop, ${ceilingConnections} connections, ${ceilingSeconds} s; median of ${ceilingRounds} alternating rounds (every round's req/s in the rounds column). The constant server runs in the bench process and answers \`{"ok":true}\` at once; the app runs with fairness off and pool ${profile.poolSize}.`,
      '',
      '| target | req/s | rounds | p50 µs | p99 µs | errors | of the ceiling |',
      '|---|---:|---|---:|---:|---:|---:|',
      ...([
        ['constant `node:http` server', generator, ceiling.generator],
        ['reference app `GET /projects/{id}`', light, ceiling.light],
      ] as const).map(([name, sample, all]) =>
        `| ${name} | ${fmt(sample.throughput)} | ${all.map((x) => fmt(x.throughput)).join(', ')} | ${us(sample.latencyUs.p50)} | ${us(sample.latencyUs.p99)} | ${sample.errors} | ${(sample.throughput / generator.throughput).toFixed(2)} |`,
      ),
      '',
      `The victims' whole offered load (${profile.victims} × ${profile.victimRate} req/s) is ${((profile.victims * profile.victimRate) / generator.throughput * 100).toFixed(1)}% of the generator's ceiling, and the app's light endpoint tops out at ${((light.throughput / generator.throughput) * 100).toFixed(0)}% of it: what the experiment measures is the app and the database, not the generator.`,
    ].join('\n');
  });
}
