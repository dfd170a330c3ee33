import { describe, expect, it } from 'vitest';
import { attackWith, expectOwnerRightsViewLeaks, flawAttackEnv, referenceAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './copy-to.ts';

const server = useTestServer();

describe('copy-to', () => {
  it('exports every tenant’s rows of a table without row-level security', async () => {
    const env = await flawAttackEnv(server(), 'rls-disabled', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(finding.subject).toEqual({ schema: 'public', table: 'notes' });
        expect(finding.message).toMatch(/tenant #\d exported \d+ line\(s\) including tenant #\d’s data from public\.notes with COPY TO/);
        expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
        expect(finding.reproduction).toMatch(/\nCOPY .*"public"\."notes".* TO STDOUT.*;\n/);
      }
    } finally {
      await env.close();
    }
  });

  it('exports what a view with owner rights shows', async () => {
    await expectOwnerRightsViewLeaks(server(), probe);
  });

  it('finds nothing when row-level security applies: COPY TO honours it', async () => {
    const env = await flawAttackEnv(server(), 'rls-disabled', 'fixed');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.findings).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks, and exports the attacker’s own rows', async () => {
    const env = await referenceAttackEnv(server());
    try {
      const own = await env.sessions.copyOut({ context: env.contextFor(0), statements: ['COPY "public"."projects" TO STDOUT'] });
      expect(own.error).toBeUndefined();
      expect(own.results[0]!.rows.length).toBe(env.manifest.tables.find((t) => t.table.name === 'projects')!.keys.get(0)!.length);
      const result = await attackWith(env, probe, 1000);
      expect(result.findings).toEqual([]);
      expect(result.stats?.['runs']).toBeGreaterThanOrEqual(1000);
    } finally {
      await env.close();
    }
  });
});
