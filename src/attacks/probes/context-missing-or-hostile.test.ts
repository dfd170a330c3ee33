import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import { readTargets } from '../context-sequence.ts';
import probe from './context-missing-or-hostile.ts';

const server = useTestServer();

describe('context-missing-or-hostile', () => {
  it('finds the tables a missing context opens, with the whole sequence in the reproduction', async () => {
    const env = await flawAttackEnv(server(), 'policy-opens-without-context', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      const finding = result.findings[0]!;
      expect(['notes', 'files']).toContain(finding.subject.table);
      expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
      expect(finding.reproduction).toMatch(/SELECT \* FROM "public"\."(notes|files)"/);
    } finally {
      await env.close();
    }
  });

  it('sees "IS NULL means admin" only on a fresh connection, and coalesce on a reused one', async () => {
    const env = await flawAttackEnv(server(), 'policy-opens-without-context', 'broken');
    try {
      const target = (name: string) => readTargets(env).find((t) => t.name === name)!;
      const at = (table: string, mode: 'fresh' | 'after-rollback') => probe.execute({ attacker: 0, victim: 1, context: null, mode, read: { target: target(table), bulk: true, pick: 0 } } as never, env);
      const fresh = await at('public.notes', 'fresh');
      expect(fresh.leak?.what).toMatch(/no tenant context on a fresh connection/);
      expect(fresh.attempts).toHaveLength(1);
      const reused = await at('public.notes', 'after-rollback');
      expect(reused.leak).toBeNull(); // '' reaches the uuid cast and fails
      expect(reused.outcomes[1]!.error?.message).toMatch(/invalid input syntax for type uuid/);
      const files = await at('public.files', 'after-rollback');
      expect(files.leak?.victim).toBeGreaterThanOrEqual(0);
      expect(files.attempts.map((a) => a.context)).toEqual([env.contextFor(1), null]);
    } finally {
      await env.close();
    }
  });

  it('finds nothing when every policy fails closed', async () => {
    await expectNoLeak(server(), probe, 'policy-opens-without-context', 300);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
