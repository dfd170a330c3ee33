import { describe, expect, it } from 'vitest';
import { attackWith, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './read-derived-relation.ts';

const server = useTestServer();

/** Runs the probe on a fixture variant and returns the leaking relations. */
async function leakingTables(rule: string, variant: 'broken' | 'fixed'): Promise<string[]> {
  const env = await flawAttackEnv(server(), rule, variant);
  try {
    const result = await attackWith(env, probe, 400);
    for (const finding of result.findings) {
      const victim = (finding.evidence?.['victim'] as { index: number }).index;
      expect(finding.evidence?.['context']).not.toBe(env.contextFor(victim));
      expect(finding.message).toMatch(/^tenant #\d read .* from the (view|materialized-view|partition|inheritance child) public\.\w+ \(/);
    }
    return [...new Set(result.findings.map((f) => `${f.subject.schema}.${f.subject.table}`))].sort();
  } finally {
    await env.close();
  }
}

describe('read-derived-relation', () => {
  it('reads every tenant’s rows through views with owner rights', async () => {
    const tables = await leakingTables('view-without-security-invoker', 'broken');
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((t) => ['public.note_feed', 'public.project_list', 'public.note_digest'].includes(t))).toBe(true);
  });

  it('finds nothing through security_invoker views', async () => {
    expect(await leakingTables('view-without-security-invoker', 'fixed')).toEqual([]);
  });

  it('reads every tenant’s figures from materialized views', async () => {
    const tables = await leakingTables('materialized-view-exposes-tenant-data', 'broken');
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((t) => ['public.note_stats', 'public.trending_words'].includes(t))).toBe(true);
  });

  it('finds nothing when the materialized views are not granted', async () => {
    expect(await leakingTables('materialized-view-exposes-tenant-data', 'fixed')).toEqual([]);
  });

  it('reads every tenant’s rows from partitions and children queried by name', async () => {
    const tables = await leakingTables('partition-without-policies', 'broken');
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((t) => ['public.events_2026_01', 'public.events_2026_02', 'public.measurements_legacy'].includes(t))).toBe(true);
  });

  it('finds nothing when partitions are not granted and force their own policies', async () => {
    expect(await leakingTables('partition-without-policies', 'fixed')).toEqual([]);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
