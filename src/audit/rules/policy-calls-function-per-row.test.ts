import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('policy-calls-function-per-row', () => {
  it('broken: a bare STABLE helper; not a wrapped one, an IMMUTABLE one, a function of the row, nor an unreachable table', async () => {
    const findings = await ruleFindings(server(), 'policy-calls-function-per-row', 'broken');
    expect(findings.map((f) => [f.subject.table, f.subject.policy, f.severity, f.evidence?.['functions']])).toEqual([
      ['tasks', 'tasks_access', 'low', ['app.current_tenant()']],
    ]);
    expect(findings[0]!.message).toMatch(/^policy tasks_access on public\.tasks calls app\.current_tenant\(\) \(STABLE\) directly, outside a sub-select/);
    expect(findings[0]!.evidence?.['fix']).toBe(
      'ALTER POLICY "tasks_access" ON "public"."tasks"\n  USING (tenant_id = ( SELECT app.current_tenant()))\n  WITH CHECK (tenant_id = ( SELECT app.current_tenant()));',
    );
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'policy-calls-function-per-row', 'fixed')).toEqual([]);
  });
});
