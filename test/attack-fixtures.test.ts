import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attackProbes } from '../src/attacks/registry.ts';
import { runAttacks } from '../src/attacks/run-attacks.ts';
import { auditRules } from '../src/audit/registry.ts';
import type { Finding } from '../src/core/check.ts';
import { flawAttackEnv } from './helpers/attacks.ts';
import { useTestServer } from './helpers/database.ts';

/**
 * The attacks alone against every flaw fixture of the audit: each broken fixture whose flaw is
 * a real, exploitable leak must be found, with a reproduction that psql really runs to show
 * the leaked data; fixed fixtures must stay silent.
 */
const server = useTestServer();
const work = mkdtempSync(join(tmpdir(), 'tenantguard-repro-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Broken fixtures whose flaw leaks data live. The others are weaknesses the attacks cannot turn
 * into a cross-tenant read or write on their own (performance, info, existence only by a
 * value the attacker must already know, a CVE of another server version...).
 */
export const exploitable: readonly string[] = [
  'rls-disabled',
  'rls-not-forced',
  'app-role-owns-tenant-table',
  'app-role-bypasses-rls',
  'partition-without-policies',
  'policy-opens-without-context',
  'policy-does-not-constrain-tenant',
  'permissive-policy-opens-table',
  'write-without-tenant-check',
  'tenant-comparison-not-equality',
  'dangerous-table-privileges',
  'view-without-security-invoker',
  'materialized-view-exposes-tenant-data',
  'security-definer-touches-tenant-data',
  'foreign-key-without-tenant',
  'unique-without-tenant',
];

async function leaksOf(rule: string, variant: 'broken' | 'fixed'): Promise<{ findings: Finding[]; url: string }> {
  const env = await flawAttackEnv(server(), rule, variant);
  try {
    const results = await runAttacks(env, { probes: attackProbes, runSeed: 9, runs: 200, timeBudgetMs: 20_000 });
    const undecided = results.filter((r) => r.verdict === 'inconclusive').map((r) => `${r.meta.id}: ${r.error}`);
    expect(undecided).toEqual([]);
    return { findings: results.flatMap((r) => r.findings), url: env.url };
  } finally {
    await env.close();
  }
}

describe('attacks against the audit flaw fixtures', () => {
  it.each(exploitable)('%s (broken): found by the attacks, and the reproduction shows the leak when psql runs it', async (rule) => {
    const { findings, url } = await leaksOf(rule, 'broken');
    expect(findings.length, `no attack found the flaw of ${rule}`).toBeGreaterThan(0);
    expect(findings.some((f) => f.reproduction), rule).toBe(true);
    let verified = 0;
    for (const finding of findings) {
      const file = join(work, `${rule}-${finding.checkId}.sql`);
      writeFileSync(file, finding.reproduction!);
      // Errors (an existence oracle's evidence) go to stderr: read both, in order.
      const run = spawnSync('psql', ['-X', '-f', file, url], { encoding: 'utf8' });
      const output = `${run.stdout}\n${run.stderr}`;
      if (finding.reproduction!.includes("rows before the attack")) {
        // A write: the script shows the other tenant's rows before and after, as the superuser.
        const before = output.split("rows before the attack")[1]!.split("rows after the attack")[0]!.trim();
        const after = output.split("rows after the attack")[1]!.trim();
        expect(after, `${finding.checkId} on ${rule}: the script shows no effect`).not.toEqual(before.split('\n').slice(0, after.split('\n').length).join('\n'));
        verified++;
        continue;
      }
      // A read: the other tenant's canaries are in the output. An existence oracle: the error
      // that gives it away is. A count-only leak (an aggregate) carries no canary to look for.
      const canaries = finding.evidence?.['canaries'] as string[];
      const excerpt = String(finding.evidence?.['excerpt'] ?? '');
      if (canaries.length === 0 && finding.checkId === 'read-aggregate') continue;
      const errorText = excerpt.split(' — ')[0]!;
      const result = /"result":"([^"]+)"/.exec(excerpt)?.[1]; // a function's value that depends on the victim's rows
      const shown =
        canaries.some((canary) => output.includes(canary)) ||
        (errorText.length > 10 && output.includes(errorText)) ||
        (result !== undefined && new RegExp(`^\\s*${result}\\s*$`, 'm').test(output));
      expect(shown, `psql output of ${finding.checkId} on ${rule} lacks ${canaries.join(', ')} / ${excerpt}:\n${output}`).toBe(true);
      verified++;
    }
    expect(verified, `no reproduction of ${rule} was shown to leak by psql`).toBeGreaterThan(0);
  });

  it.each(auditRules.map((r) => r.meta.id).filter((id) => !exploitable.includes(id)))('%s (broken): no live leak is claimed', async (rule) => {
    const { findings } = await leaksOf(rule, 'broken');
    expect(findings.map((f) => `${f.checkId}: ${f.message}`)).toEqual([]);
  });

  it.each(exploitable)('%s (fixed): no leak', async (rule) => {
    const { findings } = await leaksOf(rule, 'fixed');
    expect(findings.map((f) => `${f.checkId}: ${f.message}`)).toEqual([]);
  });
});
