import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('security-definer-touches-tenant-data', () => {
  it('broken: flags definer functions the app can call whose owner row-level security does not bind', async () => {
    const findings = await ruleFindings(server(), 'security-definer-touches-tenant-data', 'broken');
    const seen = findings.map((f) => [f.subject.function, f.severity, (f.evidence?.['reaches'] as { relation: string; bypass: string }[]).map((r) => [r.relation, r.bypass])]);
    expect(seen).toEqual([
      ['note_count', 'high', [['public.notes', 'superuser']]],
      ['note_total', 'high', [['public.notes', 'superuser']]],
      ['rename_project', 'high', [['public.projects', 'owner']]],
    ]);
    // Not findings: reference data, no EXECUTE, an owner bound by a pinning policy, invoker rights.
    const names = findings.map((f) => f.subject.function);
    for (const absent of ['country_name', 'purge_notes', 'my_note_count', 'note_bodies']) expect(names).not.toContain(absent);
    const [count, , rename] = findings;
    expect(count!.message).toMatch(/^SECURITY DEFINER function public\.note_count\(p_tenant uuid\) runs as its owner \S+ and the application role tg_app can execute it \(PUBLIC's EXECUTE, the default for new functions\): its body reaches public\.notes/);
    expect(rename!.message).toContain('tg_owner owns it and row-level security is not forced on it');
    expect(rename!.message).not.toContain("PUBLIC's EXECUTE");
    expect(count!.evidence?.['fix']).toMatch(/^ALTER FUNCTION "public"\."note_count"\(p_tenant uuid\) SECURITY INVOKER;/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'security-definer-touches-tenant-data', 'fixed')).toEqual([]);
  });
});
