import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('write-without-tenant-check', () => {
  it('broken: open insert checks and an update check weaker than its USING; not pinned fallbacks, column-limited updates or ungranted inserts', async () => {
    const findings = await ruleFindings(server(), 'write-without-tenant-check', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.subject.policy, f.severity, f.evidence?.['commands'], f.evidence?.['weakerThanUsing']]);
    expect(seen).toEqual([
      ['invoices', 'invoices_update', 'high', ['UPDATE'], true],
      ['orders', 'orders_insert', 'high', ['INSERT'], false],
      ['invoice_line_items', 'invoice_line_items_insert', 'high', ['INSERT'], false],
    ]);
    expect(findings[0]!.message).toMatch(
      /^policy invoices_update on public\.invoices lets the application role tg_app UPDATE a row so that it moves to another tenant: its WITH CHECK does not pin the tenant \(it never reads the tenant context \(app\.tenant_id\)\), although its USING clause does/,
    );
    expect(findings[1]!.message).toMatch(/INSERT rows into any tenant: its WITH CHECK does not pin the tenant \(it is TRUE for a row of another tenant\)/);
    expect(findings[1]!.evidence?.['fix']).toBe(`ALTER POLICY "orders_insert" ON "public"."orders"\n  WITH CHECK ("tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    expect(findings[2]!.evidence?.['fix']).toMatch(/WITH CHECK \(EXISTS \(SELECT 1 FROM "public"\."invoices" p WHERE p\."id" = "invoice_line_items"\."invoice_id" AND p\."tenant_id" = /);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'write-without-tenant-check', 'fixed')).toEqual([]);
  });
});
