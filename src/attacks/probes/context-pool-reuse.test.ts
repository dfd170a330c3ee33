import { describe, expect, it } from 'vitest';
import { attackWith, expectReferenceClean, flawAttackEnv, referenceAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import { readTargets } from '../context-sequence.ts';
import probe from './context-pool-reuse.ts';

const server = useTestServer();

describe('context-pool-reuse', () => {
  it("finds a policy that reads the '' a finished request leaves on a pooled connection as all tenants", async () => {
    const env = await flawAttackEnv(server(), 'tenant-comparison-not-equality', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      const finding = result.findings.find((f) => f.subject.table === 'reports')!;
      expect(finding.message).toMatch(/request of tenant #\d on the same pooled connection, a request without context read/);
      expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
      // Both requests are in the reproduction, in order: the victim's, then the one without context.
      expect(finding.reproduction).toMatch(/BEGIN;\nSET LOCAL ROLE [^\n]+;\nSELECT set_config\('app\.tenant_id', '[0-9a-f-]+', true\);\nSELECT \* FROM "public"\."reports" LIMIT 50;\n(SELECT 1\/0;\n|COMMIT;\n)?ROLLBACK;\nBEGIN;\nSET LOCAL ROLE [^\n]+;\nSELECT \* FROM "public"\."reports"/);
    } finally {
      await env.close();
    }
  });

  it('finds the coalesce policy of policy-opens-without-context, and nothing once it fails closed', async () => {
    const broken = await flawAttackEnv(server(), 'policy-opens-without-context', 'broken');
    try {
      const result = await attackWith(broken, probe, 300);
      expect(result.findings.map((f) => f.subject.table)).toContain('files');
    } finally {
      await broken.close();
    }
    const fixed = await flawAttackEnv(server(), 'policy-opens-without-context', 'fixed');
    try {
      expect((await attackWith(fixed, probe, 300)).findings).toEqual([]);
    } finally {
      await fixed.close();
    }
  });

  it("does not blame the database for the application's own session-level leftover", async () => {
    const env = await referenceAttackEnv(server());
    try {
      const target = readTargets(env).find((t) => t.name === 'public.projects')!;
      for (const own of [false, true]) {
        const run = await probe.execute({ attacker: 0, victim: 1, prior: 'session-set-config', own, read: { target, bulk: true, pick: 0 } } as never, env);
        expect(run.leak).toBeNull();
        // Without its own context the later request sees the leftover victim's rows: the app's bug, every database shows it.
        const rows = run.outcomes[1]!.results[0]!.rows;
        expect(rows.length).toBe(5);
        expect(rows.every((r) => r['tenant_id'] === env.manifest.tenants[own ? 0 : 1]!.id)).toBe(true);
      }
    } finally {
      await env.close();
    }
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
