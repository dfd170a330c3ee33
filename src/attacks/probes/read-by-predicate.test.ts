import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './read-by-predicate.ts';

const server = useTestServer();

describe('read-by-predicate', () => {
  it('finds the rows an open policy hands out through a filter, with the victim’s canaries', async () => {
    const env = await flawAttackEnv(server(), 'policy-does-not-constrain-tenant', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      const leaking = ['notes', 'documents', 'invoice_payments', 'users'];
      for (const finding of result.findings) {
        expect(finding.subject.schema).toBe('public');
        expect(leaking).toContain(finding.subject.table);
        expect(finding.message).toMatch(/tenant #\d read \d+ row\(s\) including tenant #\d’s from public\.\w+ through a filter/);
        const victim = (finding.evidence?.['victim'] as { index: number }).index;
        expect(finding.evidence?.['context']).not.toBe(env.contextFor(victim));
        expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
        expect(finding.reproduction).toMatch(/SELECT \* FROM "public"\."\w+"/);
      }
    } finally {
      await env.close();
    }
  });

  it('finds the public projects a feature policy opens to every tenant', async () => {
    const env = await flawAttackEnv(server(), 'permissive-policy-opens-table', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.findings.map((f) => f.subject.table)).toEqual(['projects']);
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
