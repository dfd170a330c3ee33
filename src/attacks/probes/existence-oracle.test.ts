import { describe, expect, it } from 'vitest';
import { attackWith, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './existence-oracle.ts';

const server = useTestServer();

describe('existence-oracle', () => {
  it('learns another tenant’s values from duplicate-key errors of unique keys without the tenant', async () => {
    const env = await flawAttackEnv(server(), 'unique-without-tenant', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      for (const finding of result.findings) {
        expect(finding.subject).toEqual({ schema: 'public', table: 'customers' });
        const victim = (finding.evidence?.['victim'] as { index: number }).index;
        expect(finding.message).toMatch(new RegExp(`tenant #\\d learns that tenant #${victim} holds \\((email|vat_number)\\)`));
        const canaries = finding.evidence?.['canaries'] as string[];
        expect(canaries.length).toBeGreaterThan(0);
        expect(canaries.every((c) => env.codec.ownerOf(c) === victim)).toBe(true);
        expect(finding.evidence?.['excerpt']).toMatch(/duplicate key value violates unique constraint/);
        expect(finding.severity).toBe('medium');
        // The reproduction holds both inserts: the victim's value and the fresh control.
        expect(finding.reproduction?.match(/INSERT INTO "public"\."customers"/g)).toHaveLength(2);
      }
    } finally {
      await env.close();
    }
  });

  it('learns that another tenant’s parent row exists from a foreign key without the tenant', async () => {
    const env = await flawAttackEnv(server(), 'foreign-key-without-tenant', 'broken');
    try {
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      const finding = result.findings[0]!;
      expect(finding.subject).toEqual({ schema: 'public', table: 'tasks' });
      expect(finding.message).toMatch(/exists in public\.projects: its reference through tasks_project_fk is accepted, a fresh one fails the foreign key/);
      const victim = (finding.evidence?.['victim'] as { index: number }).index;
      expect((finding.evidence?.['canaries'] as string[]).every((c) => env.codec.ownerOf(c) === victim)).toBe(true);
    } finally {
      await env.close();
    }
  });

  it('finds nothing when keys and references lead with the tenant', async () => {
    for (const rule of ['unique-without-tenant', 'foreign-key-without-tenant']) {
      const env = await flawAttackEnv(server(), rule, 'fixed');
      try {
        expect((await attackWith(env, probe, 200)).findings).toEqual([]);
      } finally {
        await env.close();
      }
    }
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
