import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('permissive-policy-opens-table', () => {
  it('broken: names the open policy and the tenant policy it defeats, per command the app can run', async () => {
    const findings = await ruleFindings(server(), 'permissive-policy-opens-table', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.subject.policy, f.severity, f.evidence?.['commands'], f.evidence?.['tenantPolicies']]);
    // projects_public has no WITH CHECK, so USING (is_public) also gates new rows: INSERT is opened too.
    expect(seen).toEqual([['projects', 'projects_public', 'high', ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], ['projects_tenant']]]);
    expect(findings[0]!.message).toMatch(/^policy projects_public on public\.projects does not pin the tenant \(it never reads the tenant context .*\), and permissive policies are ORed: .* projects_tenant restricts to the current tenant/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/ALTER POLICY "projects_public" ON "public"\."projects"\n  USING \("tenant_id" = nullif/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'permissive-policy-opens-table', 'fixed')).toEqual([]);
  });
});
