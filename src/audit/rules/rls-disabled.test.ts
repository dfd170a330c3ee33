import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('rls-disabled', () => {
  it('broken: flags the tenant table the app can use, not reference data nor a table it cannot touch', async () => {
    const findings = await ruleFindings(server(), 'rls-disabled', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity])).toEqual([['notes', 'critical']]);
    expect(findings[0]!.message).toMatch(/public\.notes holds tenant data \(tenant column tenant_id\).*tg_app can SELECT, INSERT, UPDATE, DELETE/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/ENABLE ROW LEVEL SECURITY/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'rls-disabled', 'fixed')).toEqual([]);
  });
});
