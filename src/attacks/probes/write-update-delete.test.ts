import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-update-delete.ts';

const server = useTestServer();

describe('write-update-delete', () => {
  it('changes another tenant’s rows of a table without row-level security, shown by the before/after comparison', async () => {
    const env = await flawAttackEnv(server(), 'rls-disabled', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      const finding = result.findings[0]!;
      expect(finding.subject).toEqual({ schema: 'public', table: 'notes' });
      expect(finding.message).toMatch(/tenant #\d (changed rows of|received data of) tenant #\d/);
      const victim = (finding.evidence?.['victim'] as { index: number }).index;
      expect(finding.message).toContain(`tenant #${victim}`);
      expect(finding.reproduction).toMatch(/(UPDATE|DELETE FROM) "public"\."notes"/);
        const canaries = finding.evidence?.['canaries'] as string[];
        expect(canaries.length).toBeGreaterThan(0);
        expect(canaries.every((c) => env.codec.ownerOf(c) === victim)).toBe(true);
    } finally {
      await env.close();
    }
  });

  it('finds nothing when the table is isolated', async () => {
    await expectNoLeak(server(), probe, 'rls-disabled', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
