import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.ts';
import { hasPg15, startPg15, superuserUrl } from './helpers/pg15.ts';

// Issue 8, faults, for a server tenantguard did not start (the url backend): there is no
// process of ours to see die, so the run pings it; when it stops answering, the run ends in
// seconds, names the cause, never passes, and writes a partial report marked incomplete.

const work = mkdtempSync(join(tmpdir(), 'tenantguard-faults-url-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** SIGKILLs a postmaster and its server processes. */
function killServer(pid: number): void {
  const children = execFileSync('ps', ['-eo', 'pid,ppid'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === pid)
    .map(([child]) => child!);
  for (const target of [pid, ...children]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

describe.runIf(hasPg15)('an existing server killed in the middle of a phase (url backend)', () => {
  it.each(['seed', 'attack'])('during %s: stops the run within seconds, says the server stopped answering, and reports incomplete', async (phase) => {
    const server = await startPg15();
    try {
      const out = join(work, 'killed');
      // A scenario without an HTTP app: the attack phase is the last, so no later phase's
      // failed connection can stand in for noticing that the server is gone.
      const seedArgs = phase === 'seed' ? ['--tenants', '300', '--rows', '3000'] : [];
      const cli = startCli(['attack', 'fixtures/reports/leaky.scenario.json', '--database-url', superuserUrl(server), '--scratch', '--runs', '1000000', '--time-budget', '300', ...seedArgs, '--out', join(out, phase)], { DATABASE_URL: '' });
      await cli.waitForStderr(phase === 'seed' ? /▸ seed/ : /▸ attack/);
      killServer(server.pid);
      const killedAt = Date.now();
      const result = await cli.done;
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toMatch(new RegExp(`Postgres stopped answering \\(.+\\) during the ${phase} phase`));
      const report = JSON.parse(readFileSync(join(out, phase, 'report.json'), 'utf8'));
      expect(report).toMatchObject({ complete: false, verdict: 'inconclusive', error: { code: 'backend-failed' } });
      // The seed is not a reported phase: killed there, the attack never ran.
      expect(report.phases.filter((p: { status: string }) => p.status === 'failed').map((p: { phase: string }) => p.phase)).toEqual(phase === 'seed' ? [] : ['attack']);
      if (phase === 'seed') expect(report.phases.find((p: { phase: string }) => p.phase === 'attack').status).toBe('not-run');
      expect(report.results.some((r: { verdict: string }) => r.verdict === 'fail')).toBe(false);
      expect(JSON.stringify(report) + result.stdout + result.stderr).not.toContain(server.password);
    } finally {
      await server.stop().catch(() => {});
    }
  }, 180_000);
});
