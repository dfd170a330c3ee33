import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('policy-does-not-constrain-tenant', () => {
  it('broken: open, constant-pinned and context-blind policies; not shared, unreachable or restrictively pinned tables', async () => {
    const findings = await ruleFindings(server(), 'policy-does-not-constrain-tenant', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.subject.policy, f.severity, f.evidence?.['reason'], f.evidence?.['commands']]);
    expect(seen).toEqual([
      ['documents', 'documents_access', 'critical', 'tenant-not-pinned', ['SELECT', 'UPDATE', 'DELETE']],
      ['notes', 'notes_read', 'critical', 'admits-other-tenant', ['SELECT']],
      ['invoice_payments', 'invoice_payments_read', 'critical', 'never-reads-context', ['SELECT']],
      ['users', 'users_read', 'critical', 'admits-other-tenant', ['SELECT']],
    ]);
    const documents = findings[0]!;
    expect(documents.message).toMatch(/^policy documents_access on public\.documents \(permissive, FOR ALL\) does not constrain the tenant: tenant_id is compared to the constant '00000000-0000-0000-0000-000000000001'/);
    expect(documents.evidence?.['fix']).toBe(
      `ALTER POLICY "documents_access" ON "public"."documents"\n  USING ("tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid)\n  WITH CHECK ("tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);`,
    );
    // The fix for a child without a tenant column goes through its parent.
    expect(findings[2]!.evidence?.['fix']).toMatch(/USING \(EXISTS \(SELECT 1 FROM "public"\."invoices" p WHERE p\."id" = "invoice_payments"\."invoice_id" AND p\."tenant_id" = nullif/);
    expect(findings[2]!.message).toMatch(/it never reads the tenant context \(app\.tenant_id\)/);
    // Users reach their tenants through memberships.
    expect(findings[3]!.evidence?.['fix']).toMatch(/USING \(EXISTS \(SELECT 1 FROM "public"\."memberships" m WHERE m\."user_id" = "users"\."id" AND m\."tenant_id" = nullif/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'policy-does-not-constrain-tenant', 'fixed')).toEqual([]);
  });
});
