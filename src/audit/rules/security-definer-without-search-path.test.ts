import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('security-definer-without-search-path', () => {
  it('broken: flags no search_path, a writable schema, pg_temp first or implicit, "$user" first; medium when the app cannot execute', async () => {
    const findings = await ruleFindings(server(), 'security-definer-without-search-path', 'broken');
    expect(findings.map((f) => [f.subject.function, f.severity, f.evidence?.['searchPath']])).toEqual([
      ['add_note', 'high', 'public'],
      ['note_exists', 'high', null],
      ['note_title', 'high', 'scratch, public, pg_temp'],
      ['note_total', 'high', '"$user", public, pg_temp'],
      ['purge_notes', 'medium', 'pg_temp, public'],
    ]);
    // Not findings: pinned with pg_temp last, an empty path with qualified names, an invoker function.
    const names = findings.map((f) => f.subject.function);
    for (const absent of ['note_count', 'note_ids', 'note_length']) expect(names).not.toContain(absent);
    const byName = new Map(findings.map((f) => [f.subject.function, f]));
    expect(byName.get('add_note')!.message).toContain("a caller's temporary table named notes replaces public.notes");
    expect(byName.get('note_exists')!.message).toMatch(/^SECURITY DEFINER function public\.note_exists\(p_tenant uuid, p_id uuid\) runs as \S+, but it does not pin search_path/);
    expect(byName.get('note_title')!.message).toContain('schema scratch on its path is writable by PUBLIC');
    expect(byName.get('note_title')!.evidence?.['fix']).toBe(
      'ALTER FUNCTION "public"."note_title"(p_tenant uuid, p_id uuid) SET search_path = pg_catalog, "public", pg_temp;\nREVOKE CREATE ON SCHEMA "scratch" FROM PUBLIC;',
    );
    expect(byName.get('note_total')!.message).toContain('"$user" comes first');
    expect(byName.get('purge_notes')!.message).toContain('pg_temp is not last');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'security-definer-without-search-path', 'fixed')).toEqual([]);
  });
});
