import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('tenant-comparison-not-equality', () => {
  it('broken: a LIKE prefix, case folding of a text id, truncation inside a sub-select; not case folding of a uuid, nor an unreachable table', async () => {
    const findings = await ruleFindings(server(), 'tenant-comparison-not-equality', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.subject.policy, f.severity, f.evidence?.['problems']]);
    expect(seen).toEqual([
      [
        'crm_contacts',
        'crm_contacts_access',
        'high',
        ['USING compares tenant_id to the context for equality, but lower() makes ids that differ only in case or spacing equal'],
      ],
      ['reports', 'reports_read', 'high', ['USING compares tenant_id to the context with LIKE, which is TRUE for ids that merely resemble the current one']],
      [
        'shipment_lines',
        'shipment_lines_read',
        'high',
        ['USING compares tenant_id to the context for equality, but left() compares part of the id, so ids sharing that part are equal'],
      ],
    ]);
    expect(findings[1]!.message).toMatch(/^policy reports_read on public\.reports: USING compares tenant_id .* Compare the tenant column to the context with plain equality/);
    expect(findings[0]!.evidence?.['fix']).toBe(
      `ALTER POLICY "crm_contacts_access" ON "public"."crm_contacts"\n  USING ("tenant_id" = nullif(current_setting('app.tenant_id', true), ''))\n  WITH CHECK ("tenant_id" = nullif(current_setting('app.tenant_id', true), ''));`,
    );
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'tenant-comparison-not-equality', 'fixed')).toEqual([]);
  });
});
