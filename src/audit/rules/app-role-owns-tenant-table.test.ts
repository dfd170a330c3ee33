import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('app-role-owns-tenant-table', () => {
  it('broken: flags forced tables the app owns directly and through an inherited owner role', async () => {
    const findings = await ruleFindings(server(), 'app-role-owns-tenant-table', 'broken');
    expect(findings.map((f) => [f.subject.table, f.severity, f.evidence?.['reach']])).toEqual([
      ['files', 'critical', 'inherit'],
      ['notes', 'critical', 'self'],
    ]);
    expect(findings[1]!.message).toMatch(/NO FORCE ROW LEVEL SECURITY/);
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'app-role-owns-tenant-table', 'fixed')).toEqual([]);
  });
});
