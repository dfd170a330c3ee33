import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('materialized-view-exposes-tenant-data', () => {
  it('broken: flags materialized views over tenant data the app can read, directly or through a view', async () => {
    const findings = await ruleFindings(server(), 'materialized-view-exposes-tenant-data', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['sources'], f.evidence?.['tenantColumn']])).toEqual([
      ['note_stats', 'high', ['public.notes'], 'tenant_id'],
      ['trending_words', 'high', ['public.notes'], null],
    ]);
    // Not findings: reference data, and a materialized view the application cannot read.
    expect(findings.map((f) => f.subject.table)).not.toContain('country_names');
    expect(findings.map((f) => f.subject.table)).not.toContain('ledger_totals');
    expect(findings[0]!.message).toMatch(/^materialized view public\.note_stats stores rows computed from public\.notes, and the application role tg_app can SELECT it\. Materialized views have no row-level security/);
    expect(findings[1]!.message).toContain('stores rows computed from public.notes');
    expect(findings[0]!.evidence?.['fix']).toMatch(/^REVOKE ALL ON "public"\."note_stats" FROM "tg_app", PUBLIC;/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'materialized-view-exposes-tenant-data', 'fixed')).toEqual([]);
  });
});
