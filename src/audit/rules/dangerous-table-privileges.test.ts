import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('dangerous-table-privileges', () => {
  it('broken: one finding per tenant table and privilege, however it is held; not reference data nor roles out of reach', async () => {
    const findings = await ruleFindings(server(), 'dangerous-table-privileges', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.evidence?.['privilege'], f.severity, f.evidence?.['holders']]);
    // GRANT ALL includes MAINTAIN from PostgreSQL 17 on.
    const maintain = server().serverVersionNum >= 170000 ? [['notes', 'MAINTAIN', 'low', ['tg_app']]] : [];
    expect(seen).toEqual([
      ['files', 'TRUNCATE', 'high', ['PUBLIC']],
      ['files', 'REFERENCES', 'medium', ['tg_app → tg_writers (inherited)']],
      ['notes', 'TRUNCATE', 'high', ['tg_app']],
      ['notes', 'REFERENCES', 'medium', ['tg_app']],
      ['notes', 'TRIGGER', 'medium', ['tg_app']],
      ...maintain,
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
    expect(findings[0]!.message).toMatch(/holds TRUNCATE on tenant table public\.files \(through PUBLIC\): TRUNCATE is not subject to row-level security/);
    expect(findings[0]!.evidence?.['fix']).toBe('REVOKE TRUNCATE ON TABLE "public"."files" FROM PUBLIC;');
    expect(findings[1]!.evidence?.['fix']).toBe('REVOKE REFERENCES ON TABLE "public"."files" FROM "tg_writers";');
    expect(findings[1]!.message).toMatch(/existence oracle.*\(it can create them in schema app_scratch\)/);
    expect(findings[1]!.evidence?.['creatableSchemas']).toEqual(['app_scratch']);
    expect(findings.map((f) => f.subject.table)).not.toContain('countries');
    expect(findings.map((f) => f.subject.table)).not.toContain('billing_ledger');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'dangerous-table-privileges', 'fixed')).toEqual([]);
  });
});
