import { expect } from 'vitest';
import { openAttackEnv, type OpenAttackEnv } from '../../src/attacks/env.ts';
import type { Probe } from '../../src/attacks/probe.ts';
import { runAttacks } from '../../src/attacks/run-attacks.ts';
import { inferTenancy } from '../../src/catalog/infer-tenancy.ts';
import { introspect } from '../../src/catalog/introspect.ts';
import type { CheckResult } from '../../src/core/check.ts';
import type { Tenancy } from '../../src/core/tenancy.ts';
import { withClient } from '../../src/db/connect.ts';
import type { StartedDatabase } from '../../src/db/database.ts';
import { loadScenario } from '../../src/scenario/load-scenario.ts';
import { seedTenants } from '../../src/seed/seed-tenants.ts';
import { applyFlawFixture } from './audit.ts';
import { repoRoot } from './cli.ts';
import { databaseWithSchema } from './database.ts';
import { join } from 'node:path';

/** Seed sizes for attack tests: small, so a test is fast, but with several tenants and rows. */
export const attackSeed = { tenants: 3, rowsPerTable: 4, seed: 42 };

/** A seeded flaw fixture with sessions acting as its app role. Close it. */
export async function flawAttackEnv(server: StartedDatabase, rule: string, variant: 'broken' | 'fixed', overrides: Partial<Tenancy> = {}): Promise<OpenAttackEnv & { url: string }> {
  const fixture = await applyFlawFixture(server, rule, variant, overrides);
  const manifest = await seedTenants(fixture.url, fixture.snapshot, fixture.tenancy, attackSeed);
  const env = await openAttackEnv(fixture.url, fixture.snapshot, fixture.tenancy, manifest);
  return Object.assign(env, { url: fixture.url });
}

/** The seeded secure reference with its scenario's tenancy. Close it. */
export async function referenceAttackEnv(server: StartedDatabase, seed = { tenants: 4, rowsPerTable: 5, seed: 7 }): Promise<OpenAttackEnv & { url: string }> {
  const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
  const url = await databaseWithSchema(server, { files: scenario.schema }, 'reference');
  const snapshot = await withClient(url, (c) => introspect(c));
  const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
  const manifest = await seedTenants(url, snapshot, tenancy, seed);
  const env = await openAttackEnv(url, snapshot, tenancy, manifest);
  return Object.assign(env, { url });
}

/** Runs one probe and returns its result. */
export async function attackWith(env: OpenAttackEnv, probe: Probe, runs: number, runSeed = 1): Promise<CheckResult> {
  const [result] = await runAttacks(env, { probes: [probe], runSeed, runs });
  if (result!.verdict === 'inconclusive') throw new Error(`${probe.meta.id} was inconclusive: ${result!.error}`);
  return result!;
}

/** Asserts that a probe finds no leak on a flaw fixture (usually the fixed variant). */
export async function expectNoLeak(server: StartedDatabase, probe: Probe, rule: string, runs = 200, variant: 'broken' | 'fixed' = 'fixed'): Promise<void> {
  const env = await flawAttackEnv(server, rule, variant);
  try {
    expect((await attackWith(env, probe, runs)).findings).toEqual([]);
  } finally {
    await env.close();
  }
}

/** Views of the view-without-security-invoker fixture that run with their owner's rights. */
export const ownerRightsViews = ['note_feed', 'project_list', 'note_digest'];

/** Asserts that a probe leaks through the owner-rights views of that fixture, and only there. */
export async function expectOwnerRightsViewLeaks(server: StartedDatabase, probe: Probe): Promise<void> {
  const env = await flawAttackEnv(server, 'view-without-security-invoker', 'broken');
  try {
    const tables = (await attackWith(env, probe, 300)).findings.map((f) => f.subject.table);
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((t) => ownerRightsViews.includes(t!))).toBe(true);
  } finally {
    await env.close();
  }
}

/** Asserts no false alarm on the secure reference over at least `runs` generated attacks. */
export async function expectReferenceClean(server: StartedDatabase, probe: Probe, runs = 1000): Promise<void> {
  const env = await referenceAttackEnv(server);
  try {
    const result = await attackWith(env, probe, runs);
    expect(result.findings).toEqual([]);
    expect(result.stats?.['runs']).toBeGreaterThanOrEqual(runs);
  } finally {
    await env.close();
  }
}

/**
 * Asserts that a write probe finds its flaw on a broken fixture: each finding is on one of
 * `tables`, names the victim whose rows changed, carries only that victim's canaries, and its
 * reproduction rolls back.
 */
export async function expectWriteLeaks(server: StartedDatabase, probe: Probe, rule: string, tables: RegExp): Promise<void> {
  const env = await flawAttackEnv(server, rule, 'broken');
  try {
    const result = await attackWith(env, probe, 200);
    expect(result.verdict).toBe('fail');
    for (const finding of result.findings) {
      expect(finding.subject.table).toMatch(tables);
      const victim = (finding.evidence?.['victim'] as { index: number }).index;
      expect(finding.message).toMatch(new RegExp(`tenant #\\d changed rows of tenant #${victim} in public\\.`));
      expect(finding.reproduction).toContain('ROLLBACK;');
      const canaries = finding.evidence?.['canaries'] as string[];
      expect(canaries.length).toBeGreaterThan(0);
      expect(canaries.every((c) => env.codec.ownerOf(c) === victim)).toBe(true);
    }
  } finally {
    await env.close();
  }
}
