import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('missing-policy-for-command', () => {
  it('broken: flags each granted command without a permissive policy, as info', async () => {
    const findings = await ruleFindings(server(), 'missing-policy-for-command', 'broken');
    expect(findings.map((f) => [f.subject.table, f.evidence?.['command'], f.severity])).toEqual([
      ['files', 'SELECT', 'info'],
      ['notes', 'UPDATE', 'info'],
      ['notes', 'DELETE', 'info'],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(3);
    expect(findings[0]!.message).toMatch(/only the restrictive files_tenant/);
    expect(findings[1]!.message).toMatch(/public\.notes .*can UPDATE it, but no permissive UPDATE policy .*silently changes no rows/);
    expect(findings[1]!.evidence?.['fix']).toMatch(/CREATE POLICY "notes_update" ON "public"\."notes" FOR UPDATE TO "tg_app" USING/);
    // audit_log: grants match its policies; billing_ledger: the app holds nothing on it.
    expect(findings.map((f) => f.subject.table)).not.toContain('audit_log');
    expect(findings.map((f) => f.subject.table)).not.toContain('billing_ledger');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'missing-policy-for-command', 'fixed')).toEqual([]);
  });
});
