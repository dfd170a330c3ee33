import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './read-by-key.ts';

const server = useTestServer();

describe('read-by-key', () => {
  it('finds the leak of a table without row-level security, shrunk, with a reproduction and a replay command', async () => {
    const env = await flawAttackEnv(server(), 'rls-disabled', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      const finding = result.findings[0]!;
      expect(finding.subject).toEqual({ schema: 'public', table: 'notes' });
      expect(finding.message).toMatch(/tenant #\d read 1 row\(s\) of tenant #\d from public\.notes by key/);
      expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
      expect(finding.reproduction).toMatch(/BEGIN;\nSET LOCAL ROLE .*;\nSELECT set_config\('app\.tenant_id', '[0-9a-f-]+', true\);\nSELECT \* FROM "public"\."notes" WHERE/);
      expect(finding.replay?.command).toMatch(/^tenantguard replay read-by-key --seed 1 --shard \d --path \S+$/);
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
