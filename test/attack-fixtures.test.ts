import { execFileSync } from 'node:child_process';
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
export const exploitable: readonly string[] = ['rls-disabled', 'policy-opens-without-context'];

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
    for (const finding of findings) {
      const file = join(work, `${rule}-${finding.checkId}.sql`);
      writeFileSync(file, finding.reproduction!);
      const output = execFileSync('psql', ['-X', '-f', file, url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const canaries = finding.evidence?.['canaries'] as string[];
      expect(canaries.length).toBeGreaterThan(0);
      expect(canaries.some((canary) => output.includes(canary)), `psql output of ${finding.checkId} on ${rule} lacks ${canaries.join(', ')}:\n${output}`).toBe(true);
    }
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
