import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('foreign-table-exposes-tenant-data', () => {
  it('broken: flags a tenant column, a foreign partition read directly, and a mapping onto a tenant table', async () => {
    const findings = await ruleFindings(server(), 'foreign-table-exposes-tenant-data', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['tenantData']])).toEqual([
      ['crm_contacts', 'high', 'has the tenant column tenant_id'],
      ['document_titles', 'high', 'is mapped onto a table named like the tenant table public.documents (server archive)'],
      ['notes_2023', 'high', 'is a partition of the tenant table public.notes'],
    ]);
    // Not findings: foreign reference data, and foreign tenant data the app cannot touch.
    expect(findings.map((f) => f.subject.table)).not.toContain('exchange_rates');
    expect(findings.map((f) => f.subject.table)).not.toContain('crm_invoices');
    expect(findings[0]!.message).toMatch(/^foreign table public\.crm_contacts has the tenant column tenant_id, and the application role tg_app can SELECT it\. Foreign tables cannot have row-level security/);
    expect(findings[2]!.message).toContain('read the rows through public.notes, whose policies apply');
    expect(findings[2]!.evidence?.['fix']).toMatch(/^REVOKE ALL ON "public"\."notes_2023" FROM "tg_app", PUBLIC;/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'foreign-table-exposes-tenant-data', 'fixed')).toEqual([]);
  });
});
