import { describe, expect, it } from 'vitest';
import { applyFlawFixture, ruleFindings } from '../../../test/helpers/audit.ts';
import { buildAuditContext } from '../context.ts';
import rule from './view-without-security-invoker.ts';
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

  it('PostgreSQL 14 (no security_invoker): every view runs as its owner, and the fix hands the view to a bound role', async () => {
    const fixture = await applyFlawFixture(server(), 'view-without-security-invoker', 'fixed');
    // The fixed schema as a PostgreSQL 14 catalog would show it: no view can carry the option.
    const relations = fixture.snapshot.relations.map((r) => (r.view ? { ...r, view: { ...r.view, options: {} } } : r));
    const context = buildAuditContext({ ...fixture.snapshot, serverVersionNum: 140013, relations }, fixture.tenancy);
    const findings = rule.check(context);
    // project_list's owner is bound by forced RLS (no policy of its own: no rows); reader_notes' owner by a pinning policy.
    expect(findings.map((f) => f.subject.table)).toEqual(['note_digest', 'note_feed', 'notes_invoker']);
    expect(findings[1]!.message).toContain('PostgreSQL 14 has no security_invoker');
    expect(findings[1]!.fix).toMatch(/ALTER VIEW "public"\."note_feed" OWNER TO view_reader;/);
  });
});
