/**
 * The example of docs/vitest.md, run in our own CI: a team adds isolation to its vitest suite
 * through the package's public entry point `tenantguard/vitest`, as a user would import it.
 */
import { describe, expect, it } from 'vitest';
import { checkIsolation, installIsolationMatchers } from 'tenantguard/vitest';

installIsolationMatchers();

describe('tenantguard/vitest', () => {
  it('passes a scenario whose tenants are isolated', async () => {
    // The shipped reference scenario: audit + SQL attacks (the HTTP attacks are left out to keep it quick).
    const report = await checkIsolation({ scenario: 'scenarios/reference.ts', seed: 11, runs: 100, http: false });
    expect(report.phases.filter((p) => p.status === 'ran').map((p) => p.phase)).toEqual(['audit', 'attack']);
    expect(report).toBeIsolated();
  }, 180_000);

  it('fails a leaky scenario with every finding, its reproduction and its replay command', async () => {
    const report = await checkIsolation({ scenario: 'fixtures/reports/leaky.scenario.json', seed: 7, runs: 100 });
    let message = '';
    try {
      expect(report).toBeIsolated();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^expected scenario leaky to keep tenants isolated \(seed 7\), but \d+ finding\(s\) at or above high:/);
    expect(message).toContain('[critical] rls-disabled: table public.notes');
    expect(message).toContain('at fixtures/flaws/rls-disabled/broken.sql:2');
    expect(message).toMatch(/replay: tenantguard replay read-by-key \S+ --seed 7 --shard \d+ --path \S+/);
    expect(message).toContain('reproduction:');
    // A stricter or looser threshold is the caller's choice.
    expect(() => expect(report).toBeIsolated({ failOn: 'critical' })).toThrow(/finding\(s\) at or above critical/);
    expect(report).not.toBeIsolated();
  }, 180_000);
});
