import { describe, expect, it } from 'vitest';
import { attackWith, flawAttackEnv, referenceAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-truncate.ts';

const server = useTestServer();

describe('write-truncate', () => {
  it('empties other tenants’ rows through TRUNCATE granted to the app and to PUBLIC, never through reference data', async () => {
    const env = await flawAttackEnv(server(), 'dangerous-table-privileges', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(['notes', 'files']).toContain(finding.subject?.['table']);
        const victim = (finding.evidence?.['victim'] as { index: number }).index;
        expect(finding.message).toMatch(new RegExp(`changed rows of tenant #${victim} in public\\.(notes|files) \\(TRUNCATE.*\\): 4 → 0 row\\(s\\)`));
        expect(finding.reproduction).toMatch(/TRUNCATE (ONLY )?"public"\."(notes|files)"/);
        const canaries = finding.evidence?.['canaries'] as string[];
        expect(canaries.length).toBeGreaterThan(0);
        expect(canaries.every((c) => env.codec.ownerOf(c) === victim)).toBe(true);
      }
    } finally {
      await env.close();
    }
  });

  it('has nothing to attack when TRUNCATE stays with an operations role', async () => {
    const env = await flawAttackEnv(server(), 'dangerous-table-privileges', 'fixed');
    try {
      expect(probe.arbitrary(env)).toBeNull();
      expect((await attackWith(env, probe, 200)).findings).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('has nothing to attack on the secure reference, which grants no TRUNCATE', async () => {
    // No generated attack is possible here (no relation with TRUNCATE), so the ≥1,000-run
    // no-false-alarm check of this probe is the fixed fixture above plus this.
    const env = await referenceAttackEnv(server());
    try {
      expect(probe.arbitrary(env)).toBeNull();
      const result = await attackWith(env, probe, 1000);
      expect(result.verdict).toBe('pass');
      expect(result.findings).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
