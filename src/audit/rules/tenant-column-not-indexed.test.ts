import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('tenant-column-not-indexed', () => {
  it('broken: flags tables the app uses whose indexes do not lead with the tenant column (partial ones do not count)', async () => {
    const findings = await ruleFindings(server(), 'tenant-column-not-indexed', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['commands']])).toEqual([
      ['events', 'low', ['SELECT', 'INSERT']],
      ['tickets', 'low', ['SELECT']],
    ]);
    // Not findings: metrics and its partition (key led by tenant_id), billing_ledger (app cannot touch it).
    for (const absent of ['metrics', 'metrics_2024', 'billing_ledger']) expect(findings.map((f) => f.subject.table)).not.toContain(absent);
    expect(findings[0]!.message).toMatch(/^table public\.events has no index that starts with its tenant column tenant_id \(its indexes: events_created_idx \(created_at, tenant_id\); events_pkey \(id\)\)/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/^CREATE INDEX CONCURRENTLY "events_tenant_id_idx" ON "public"\."events" \("tenant_id"\);/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'tenant-column-not-indexed', 'fixed')).toEqual([]);
  });
});
