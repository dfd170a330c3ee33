import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectOwnerRightsViewLeaks, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './read-through-join.ts';

const server = useTestServer();

describe('read-through-join', () => {
  it('reads other tenants’ rows through a join with an open relation, naming the side they came from', async () => {
    const env = await flawAttackEnv(server(), 'policy-does-not-constrain-tenant', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(['notes', 'documents', 'invoice_payments', 'users']).toContain(finding.subject.table);
        expect(finding.message).toMatch(/tenant #\d read tenant #\d’s data in \d+ row\(s\) of a [a-z ]+ of public\.\w+ with public\.\w+/);
        expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
        expect(finding.reproduction).toMatch(/ AS "l"/);
      }
    } finally {
      await env.close();
    }
  });

  it('reads through a view with owner rights joined to its protected table', async () => {
    await expectOwnerRightsViewLeaks(server(), probe);
  });

  it('finds nothing when every relation isolates on its own', async () => {
    await expectNoLeak(server(), probe, 'policy-does-not-constrain-tenant', 300);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
