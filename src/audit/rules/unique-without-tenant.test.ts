import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('unique-without-tenant', () => {
  it('broken: flags keys without the tenant the app can write, graded by how guessable the values are', async () => {
    const findings = await ruleFindings(server(), 'unique-without-tenant', 'broken');
    expect(findings.map((f) => [f.subject.table, f.evidence?.['index'], f.severity, f.evidence?.['commands']])).toEqual([
      ['customers', 'customers_auth_subject_key', 'low', ['INSERT', 'UPDATE']],
      ['customers', 'customers_email_key', 'medium', ['INSERT', 'UPDATE']],
      ['customers', 'customers_vat_idx', 'medium', ['INSERT', 'UPDATE']],
      ['orders', 'orders_pkey', 'low', ['INSERT']],
      ['orders', 'orders_public_id_key', 'info', ['INSERT']],
    ]);
    // Not findings: keys led by the tenant, a key whose columns the app cannot write, the registry.
    for (const absent of ['projects', 'workspaces', 'tenants']) expect(findings.map((f) => f.subject.table)).not.toContain(absent);
    const [subject, email, vat] = findings;
    expect(subject!.message).toContain('UUIDs the application supplies');
    expect(email!.message).toMatch(/^unique constraint customers_email_key on public\.customers \(email\) does not include tenant_id, and the application role tg_app can INSERT, UPDATE its columns: uniqueness ignores row-level security/);
    expect(email!.evidence?.['fix']).toContain('ALTER TABLE "public"."customers" ADD CONSTRAINT "customers_email_key" UNIQUE ("tenant_id", "email");');
    expect(vat!.evidence?.['fix']).toBe(
      'DROP INDEX "public"."customers_vat_idx";\nCREATE UNIQUE INDEX "customers_vat_idx" ON "public"."customers" ("tenant_id", (upper(vat_number))) WHERE (vat_number IS NOT NULL);',
    );
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'unique-without-tenant', 'fixed')).toEqual([]);
  });
});
