import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-move-row.ts';

const server = useTestServer();

describe('write-move-row', () => {
  it('moves an own row into another tenant where the update check replaced the tenant test', async () => {
    const env = await flawAttackEnv(server(), 'write-without-tenant-check', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(finding.subject?.['table']).toMatch(/^(invoices)$/);
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
  });

  it('finds nothing when the flaw is fixed', async () => {
    await expectNoLeak(server(), probe, 'write-without-tenant-check', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
