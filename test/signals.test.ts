import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.ts';
import { processesMentioning } from './helpers/processes.ts';

// Issue 8, faults: SIGINT/SIGTERM at the phases the other tests do not reach (cli-run covers the
// seed, load-cli the load, http-run a user's app): Postgres stopped, its temp dir removed, the
// reference app gone, a partial report written, exit 2. Counted afterwards, by process and dir.

const work = mkdtempSync(join(tmpdir(), 'tenantguard-signals-'));
chmodSync(work, 0o755); // the unprivileged postgres user must reach the TMPDIRs made inside
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cases = [
  // initdb and the server start: the signal lands while Postgres is being created.
  { phase: 'start', signal: 'SIGTERM', args: ['--no-load'], under: /▸ start/ },
  { phase: 'audit', signal: 'SIGINT', args: ['--tenants', '50', '--rows', '500', '--no-load'], under: /▸ audit/ },
  { phase: 'attack', signal: 'SIGTERM', args: ['--tenants', '4', '--rows', '10', '--runs', '50000', '--no-load'], under: /attack: read-by-key/ },
  // The reference app runs inside the CLI, on a port of its own: afterwards nothing answers there.
  { phase: 'http', signal: 'SIGINT', args: ['--tenants', '4', '--rows', '10', '--runs', '100', '--no-load'], under: /reference app at http/ },
] as const;

describe('a signal at any phase', () => {
  it.each(cases)('$signal during $phase: exit 2, partial report, Postgres, its temp dir and the app gone', async ({ phase, signal, args, under }) => {
    const tmp = join(work, `tmp-${phase}`);
    mkdirSync(tmp, { mode: 0o755 });
    const out = join(work, phase);
    const cli = startCli(['run', ...args, '--seed', '13', '--out', out], { TMPDIR: tmp });
    await cli.waitForStderr(under, 150_000);
    const app = /reference app at (http:\/\/\S+)/.exec(cli.output.stderr)?.[1];
    if (phase !== 'start') expect(processesMentioning(tmp).length).toBeGreaterThan(0); // postgres runs from the temp dir
    cli.child.kill(signal);
    const result = await cli.done;

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${signal}: stopping Postgres`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: false, verdict: 'inconclusive', error: { code: 'interrupted' } });
    expect(result.stdout).toMatch(/INCOMPLETE/);
    // The phase cut short is not reported as run.
    const status = report.phases.find((p: { phase: string }) => p.phase === phase);
    if (status && phase !== 'audit') expect(status.status).not.toBe('ran');
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp).filter((name) => name.startsWith('tenantguard-'))).toEqual([]);
    if (phase === 'http') {
      expect(app).toBeDefined();
      await expect(fetch(app!, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    }
  }, 240_000);
});
