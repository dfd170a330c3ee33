import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('current-setting-without-missing-ok', () => {
  it('broken: a strict read in a policy and in the context function a policy calls; not unreachable tables nor uncalled functions', async () => {
    const findings = await ruleFindings(server(), 'current-setting-without-missing-ok', 'broken');
    const seen = findings.map((f) => [f.subject.table ?? null, f.subject.policy ?? null, f.subject.function ?? null, f.severity]);
    expect(seen).toEqual([
      ['notes', 'notes_read', null, 'info'],
      [null, null, 'current_tenant', 'info'],
    ]);
    expect(findings[0]!.message).toMatch(/^policy notes_read on public\.notes reads current_setting\('app\.tenant_id'\) without missing_ok: .*unrecognized configuration parameter/);
    expect(findings[0]!.evidence?.['fix']).toBe(
      `ALTER POLICY "notes_read" ON "public"."notes"\n  USING (tenant_id = (nullif(current_setting('app.tenant_id', true), ''))::uuid);`,
    );
    expect(findings[1]!.subject).toEqual({ schema: 'app', function: 'current_tenant' });
    expect(findings[1]!.message).toMatch(/^function app\.current_tenant\(\), called by policy tasks_read on public\.tasks, reads current_setting\('app\.tenant_id'\) without missing_ok/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'current-setting-without-missing-ok', 'fixed')).toEqual([]);
  });
});
