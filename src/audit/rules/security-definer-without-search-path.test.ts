import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('security-definer-without-search-path', () => {
  it('broken: flags no search_path, a writable schema, pg_temp first or implicit, "$user" first; medium when the app cannot execute', async () => {
    const findings = await ruleFindings(server(), 'security-definer-without-search-path', 'broken');
    expect(findings.map((f) => [f.subject.function, f.severity, f.evidence?.['searchPath']])).toEqual([
      ['convert', 'high', 'scratch, public, pg_temp'],
      ['purge_rates', 'medium', 'pg_temp, public'],
      ['rate_count', 'high', '"$user", public, pg_temp'],
      ['rate_known', 'high', null],
      ['set_rate', 'high', 'public'],
    ]);
    // Not findings: pinned with pg_temp last, an empty path with qualified names, an invoker function.
    const names = findings.map((f) => f.subject.function);
    for (const absent of ['rate_of', 'currencies', 'cents']) expect(names).not.toContain(absent);
    const byName = new Map(findings.map((f) => [f.subject.function, f]));
    expect(byName.get('set_rate')!.message).toContain("a caller's temporary table named exchange_rates replaces public.exchange_rates");
    expect(byName.get('rate_known')!.message).toMatch(/^SECURITY DEFINER function public\.rate_known\(p_currency text\) runs as \S+, but it does not pin search_path/);
    expect(byName.get('convert')!.message).toContain('schema scratch on its path is writable by PUBLIC');
    expect(byName.get('convert')!.evidence?.['fix']).toBe(
      'ALTER FUNCTION "public"."convert"(p_cents bigint, p_currency text) SET search_path = pg_catalog, "public", pg_temp;\nREVOKE CREATE ON SCHEMA "scratch" FROM PUBLIC;',
    );
    expect(byName.get('rate_count')!.message).toContain('"$user" comes first');
    expect(byName.get('purge_rates')!.message).toContain('pg_temp is not last');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'security-definer-without-search-path', 'fixed')).toEqual([]);
  });
});
