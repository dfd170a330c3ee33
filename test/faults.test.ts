import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.ts';
import { childrenRunning, processesMentioning } from './helpers/processes.ts';

// Issue 8, faults: the embedded Postgres is SIGKILLed while a phase runs. The run must end in
// seconds, name the cause, never pass, write a partial report marked incomplete, and leave no
// process or temp dir behind. Each case starts its own CLI with its own TMPDIR, so the
// postmaster (whose command line holds the temp dir) is found by that path alone.

const work = mkdtempSync(join(tmpdir(), 'tenantguard-faults-'));
chmodSync(work, 0o755); // the unprivileged postgres user must reach the TMPDIRs made inside
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** SIGKILLs the postmaster started under `tmp` and its server processes (backends, walwriter…). */
function killPostgres(tmp: string): number {
  const postmasters = processesMentioning(tmp)
    .filter((line) => /postgres -D/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  const children = execFileSync('ps', ['-eo', 'pid,ppid'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => postmasters.includes(ppid!))
    .map(([pid]) => pid!);
  for (const pid of [...postmasters, ...children]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  return postmasters.length;
}

interface FaultCase {
  phase: string;
  args: string[];
  /** Printed once the phase is under way (and long enough to be killed in). */
  under: RegExp;
  /** The phase(s) the error may name: a kill right at a phase boundary lands in the next one. */
  named: RegExp;
}

const cases: FaultCase[] = [
  // The audit reads a snapshot taken before it: the kill is noticed there or in the seed after it.
  { phase: 'audit', args: ['run', '--tenants', '50', '--rows', '500', '--no-load'], under: /▸ audit/, named: /(audit|seed) phase/ },
  { phase: 'seed', args: ['run', '--tenants', '200', '--rows', '2000', '--no-load'], under: /▸ seed/, named: /seed phase/ },
  { phase: 'attack', args: ['run', '--tenants', '4', '--rows', '10', '--runs', '50000', '--no-load'], under: /attack: read-by-key/, named: /attack phase/ },
  { phase: 'http', args: ['run', '--tenants', '4', '--rows', '10', '--runs', '100', '--no-load'], under: /reference app at http/, named: /http phase/ },
  { phase: 'load', args: ['load', '--tenants', '3', '--rows', '10', '--repeats', '3', '--step-seconds', '5'], under: /load: heavy-reports ×50/, named: /load phase/ },
];

describe('Postgres killed in the middle of a phase', () => {
  it.each(cases)('during $phase: ends within seconds, names the cause, never passes, reports incomplete and leaves nothing behind', async ({ phase, args, under, named }) => {
    const tmp = join(work, `tmp-${phase}`);
    mkdirSync(tmp, { mode: 0o755 });
    const out = join(work, phase);
    const cli = startCli([...args, '--seed', '11', '--out', out], { TMPDIR: tmp });
    await cli.waitForStderr(under, 150_000);
    const app = /reference app at (http:\/\/\S+)/.exec(cli.output.stderr)?.[1];
    // At least the postmaster: a backend forked a moment ago still shows the postmaster's
    // command line until it retitles itself, and is killed with it.
    expect(killPostgres(tmp)).toBeGreaterThanOrEqual(1);
    const killedAt = Date.now();
    const result = await cli.done;
    expect(Date.now() - killedAt).toBeLessThan(30_000);

    expect([2, 4]).toContain(result.code);
    expect(result.stderr).toMatch(/Postgres was killed by SIGKILL during the \w+ phase: the connection to the server was lost/);
    expect(result.stderr).toMatch(named);
    expect(result.stdout).toMatch(/INCOMPLETE/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: false, verdict: 'inconclusive', error: { code: 'backend-failed' } });
    expect(report.error.message).toMatch(named);
    // The phase that was under way is failed (or, killed at its very end, the next one did not run): never passed.
    const status = report.phases.find((p: { phase: string }) => p.phase === phase);
    if (status && phase !== 'audit') expect(status).toMatchObject({ status: 'failed', reason: expect.stringMatching(/killed by SIGKILL/) });
    expect(report.results.filter((r: { verdict: string }) => r.verdict === 'fail')).toEqual([]);

    expect(processesMentioning(tmp)).toEqual([]);
    expect(childrenRunning('load-child.mjs', cli.child.pid!)).toEqual([]);
    expect(readdirSync(tmp).filter((name) => name.startsWith('tenantguard-'))).toEqual([]);
    if (app) await expect(fetch(app, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 240_000);
});
