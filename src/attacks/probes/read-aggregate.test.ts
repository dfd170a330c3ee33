import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './read-aggregate.ts';

const server = useTestServer();

describe('read-aggregate', () => {
  it('counts and reads other tenants’ rows behind open policies, with the numbers as evidence', async () => {
    const env = await flawAttackEnv(server(), 'policy-does-not-constrain-tenant', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(['notes', 'documents', 'invoice_payments', 'users']).toContain(finding.subject.table);
        expect(finding.message).toMatch(/tenant #\d (counted \d+ rows where tenant #\d owns at most \d+|counted \d+ distinct tenants|read tenant #\d’s data in an aggregate|saw a group of tenant #\d)/);
      }
      // The minimal case is a plain count: 3 tenants × 4 rows seen where 4 are the attacker's.
      expect(result.findings.some((f) => /counted 12 rows where tenant #\d owns at most 4/.test(f.message))).toBe(true);
    } finally {
      await env.close();
    }
  });

  it('finds canaries in the groups of a materialized view', async () => {
    const env = await flawAttackEnv(server(), 'materialized-view-exposes-tenant-data', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      const tables = result.findings.map((f) => f.subject.table);
      expect(tables.some((t) => t === 'note_stats' || t === 'trending_words')).toBe(true);
    } finally {
      await env.close();
    }
  });

  it('finds nothing when every policy pins the tenant', async () => {
    await expectNoLeak(server(), probe, 'policy-does-not-constrain-tenant', 300);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
