import { describe, expect, it } from 'vitest';
import { attackWith, expectNoLeak, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe, { settableRoles } from './role-switch.ts';

const server = useTestServer();

describe('role-switch', () => {
  it('finds the support role that leads to BYPASSRLS and a superuser, one SET ROLE away', async () => {
    const env = await flawAttackEnv(server(), 'app-role-bypasses-rls', 'broken');
    try {
      const app = env.tenancy.appRole.name;
      const suffix = app.slice('tg_app_'.length);
      expect(settableRoles(env.snapshot, app)).toEqual([`tg_support_${suffix}`, `tg_dba_${suffix}`]);
      const result = await attackWith(env, probe, 200);
      expect(result.verdict).toBe('fail');
      const finding = result.findings[0]!;
      expect(finding.subject).toEqual({ schema: 'public', table: 'notes' });
      expect(finding.message).toMatch(/after SET (LOCAL )?ROLE "tg_(support|dba)_[0-9a-f]+", tenant #\d read \d+ row\(s\) carrying data of tenant #\d from public\.notes/);
      expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
      expect(finding.reproduction).toMatch(/SELECT set_config\('app\.tenant_id', '[0-9a-f-]+', true\);\nSET (LOCAL )?ROLE "tg_/);
    } finally {
      await env.close();
    }
  });

  it('finds nothing when the support role neither bypasses RLS nor leads to a superuser', async () => {
    await expectNoLeak(server(), probe, 'app-role-bypasses-rls', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
