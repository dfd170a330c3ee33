import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('rls-not-forced', () => {
  it('broken: flags the tables the app owns itself or through an inherited owner role, not one an administrator owns', async () => {
    const findings = await ruleFindings(server(), 'rls-not-forced', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['owner'], f.evidence?.['reach']])).toEqual([
      ['invoices', 'critical', 'tg_migrator', 'inherit'],
      ['notes', 'critical', 'tg_app', 'self'],
    ]);
    expect(findings[1]!.message).toMatch(/table public\.notes holds tenant data .*enabled but not forced, and the application role tg_app owns it/);
    expect(findings[0]!.message).toMatch(/member of its owner \(tg_app → tg_migrator \(inherited\)\)/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/ALTER TABLE "public"\."invoices" FORCE ROW LEVEL SECURITY;/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/REVOKE "tg_migrator" FROM "tg_app"/);
    // files: not forced, but its owner is out of the app's reach; countries: no tenant data.
    expect(findings.map((f) => f.subject.table)).not.toContain('files');
    expect(findings.map((f) => f.subject.table)).not.toContain('countries');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'rls-not-forced', 'fixed')).toEqual([]);
  });
});
