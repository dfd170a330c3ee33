import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('view-without-security-invoker', () => {
  it('broken: flags owner-rights views whose owner row-level security does not bind, directly and one view down', async () => {
    const findings = await ruleFindings(server(), 'view-without-security-invoker', 'broken');
    const seen = findings.map((f) => [f.subject.table, f.severity, (f.evidence?.['reads'] as { relation: string; bypass: string }[]).map((r) => [r.relation, r.bypass])]);
    expect(seen).toEqual([
      ['note_digest', 'critical', [['public.notes', 'superuser']]],
      ['note_feed', 'critical', [['public.notes', 'superuser']]],
      ['project_list', 'critical', [['public.projects', 'owner']]],
    ]);
    // Not findings: reference data only, an owner bound by a pinning policy, a view the app cannot read.
    const tables = findings.map((f) => f.subject.table);
    for (const absent of ['country_list', 'reader_notes', 'ledger_totals', 'notes_invoker']) expect(tables).not.toContain(absent);
    const [digest, feed, projects] = findings;
    expect(digest!.evidence?.['reads']).toEqual([
      { relation: 'public.notes', via: ['public.note_digest', 'public.notes_invoker'], checkedAs: expect.any(String), tenantData: 'has the tenant column tenant_id', bypass: 'superuser' },
    ]);
    expect(feed!.message).toMatch(/^view public\.note_feed runs with the rights of its owner \S+ \(no security_invoker\) and the application role tg_app can SELECT it: .*public\.notes .* is a superuser, which bypasses row-level security/);
    expect(feed!.evidence?.['fix']).toBe('ALTER VIEW "public"."note_feed" SET (security_invoker = true);');
    expect(projects!.message).toContain('tg_owner owns it and row-level security is not forced on it');
    expect(projects!.evidence?.['fix']).toContain('GRANT SELECT ON "public"."projects" TO "tg_app";');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'view-without-security-invoker', 'fixed')).toEqual([]);
  });
});
