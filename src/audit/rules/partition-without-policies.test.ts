import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('partition-without-policies', () => {
  it('broken: flags the granted partitions and the PUBLIC inheritance child without RLS, not the protected or ungranted ones', async () => {
    const findings = await ruleFindings(server(), 'partition-without-policies', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['parent'], f.evidence?.['commands'], f.evidence?.['grantedTo']])).toEqual([
      ['events_2026_01', 'high', 'public.events', ['SELECT', 'INSERT'], ['tg_app']],
      ['events_2026_02', 'high', 'public.events', ['SELECT', 'INSERT'], ['tg_app']],
      ['measurements_legacy', 'high', 'public.measurements', ['SELECT'], ['PUBLIC']],
    ]);
    expect(findings[0]!.message).toMatch(/^partition public\.events_2026_01 of public\.events holds tenant data .*can SELECT, INSERT it directly .*the parent's 1 policy does not apply/);
    expect(findings[2]!.message).toMatch(/^inheritance child public\.measurements_legacy of public\.measurements/);
    expect(findings[2]!.evidence?.['fix']).toMatch(/REVOKE ALL ON TABLE "public"\."measurements_legacy" FROM PUBLIC;\nALTER TABLE "public"\."measurements_legacy" ENABLE ROW LEVEL SECURITY;/);
    // events_2026_03 has its own forced RLS; events_2025 is not granted; the parent is rls-disabled's concern.
    const tables = findings.map((f) => f.subject.table);
    for (const absent of ['events_2026_03', 'events_2025', 'events', 'measurements']) expect(tables).not.toContain(absent);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'partition-without-policies', 'fixed')).toEqual([]);
  });
});
