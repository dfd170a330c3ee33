import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import type { CatalogSnapshot, Membership } from '../../catalog/snapshot.ts';
import { assumableRoles } from '../privilege-paths.ts';
import { reachableRoles } from '../../catalog/privileges.ts';

const server = useTestServer();

describe('app-role-bypasses-rls', () => {
  it('broken: flags the BYPASSRLS role reached only by SET ROLE and the superuser behind it, not a BYPASSRLS role merely inherited', async () => {
    const findings = await ruleFindings(server(), 'app-role-bypasses-rls', 'broken');
    expect(findings.map((f) => [f.subject.role, f.severity, f.evidence?.['attribute'], f.evidence?.['path']])).toEqual([
      ['tg_support', 'critical', 'BYPASSRLS', ['tg_app', 'tg_support']],
      ['tg_dba', 'critical', 'SUPERUSER', ['tg_app', 'tg_support', 'tg_dba']],
    ]);
    expect(findings[0]!.message).toMatch(/can SET ROLE to tg_support \(tg_app → tg_support\), which is BYPASSRLS/);
    expect(findings[0]!.evidence?.['fix']).toMatch(/^REVOKE "tg_support" FROM "tg_app";/);
    // PG 16+: INHERIT TRUE, SET FALSE gives privileges, never the attribute.
    expect(findings.map((f) => f.subject.role)).not.toContain('tg_analytics');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'app-role-bypasses-rls', 'fixed')).toEqual([]);
  });
});

// Memberships as introspect() reads them: PG 16+ per-grant options; before 16, inherit is the
// member's rolinherit and set is always true.
function snapshotWith(memberships: Partial<Membership>[]): CatalogSnapshot {
  return {
    serverVersion: '18.4',
    serverVersionNum: 180004,
    database: 'db',
    currentUser: 'admin',
    schemas: [],
    relations: [],
    roles: [],
    memberships: memberships.map((m) => ({ role: '', member: '', grantor: 'admin', admin: false, inherit: true, set: true, ...m })),
    defaultPrivileges: [],
    functions: [],
    settings: {},
    takenAt: '2026-01-01T00:00:00Z',
  };
}
const via = (reach: ReturnType<typeof reachableRoles>) => Object.fromEntries([...reach.values()].map((r) => [r.role, r.via]));

describe('which roles the app role reaches (hand-built memberships)', () => {
  it('privileges flow through a chain of INHERIT edges', () => {
    const snapshot = snapshotWith([
      { member: 'app', role: 'writers' },
      { member: 'writers', role: 'readers' },
    ]);
    expect(via(reachableRoles(snapshot, 'app'))).toEqual({ app: 'self', writers: 'inherit', readers: 'inherit' });
    expect(via(assumableRoles(snapshot, 'app'))).toEqual({ app: 'self', writers: 'set-role', readers: 'set-role' });
  });

  it('PG 16 WITH INHERIT FALSE, SET TRUE (and NOINHERIT before 16): reached only by SET ROLE, with what that role inherits', () => {
    const snapshot = snapshotWith([
      { member: 'app', role: 'support', inherit: false, set: true },
      { member: 'support', role: 'readers', inherit: true, set: false },
    ]);
    expect(via(reachableRoles(snapshot, 'app'))).toEqual({ app: 'self', support: 'set-role', readers: 'set-role' });
    // After SET ROLE support, readers' privileges flow; SET ROLE readers itself is refused.
    expect(via(assumableRoles(snapshot, 'app'))).toEqual({ app: 'self', support: 'set-role' });
  });

  it('PG 16 WITH INHERIT TRUE, SET FALSE: privileges flow, but the role cannot be become', () => {
    const snapshot = snapshotWith([{ member: 'app', role: 'analytics', inherit: true, set: false }]);
    expect(via(reachableRoles(snapshot, 'app'))).toEqual({ app: 'self', analytics: 'inherit' });
    expect(via(assumableRoles(snapshot, 'app'))).toEqual({ app: 'self' });
  });

  it('an edge with neither INHERIT nor SET reaches nothing; the shortest path wins', () => {
    const snapshot = snapshotWith([
      { member: 'app', role: 'dead', inherit: false, set: false },
      { member: 'app', role: 'a' },
      { member: 'a', role: 'b' },
      { member: 'app', role: 'b', inherit: false, set: true },
    ]);
    const reach = reachableRoles(snapshot, 'app');
    expect(reach.has('dead')).toBe(false);
    expect(reach.get('b')).toEqual({ role: 'b', via: 'inherit', path: ['app', 'a', 'b'] });
    expect(assumableRoles(snapshot, 'app').get('b')?.path).toEqual(['app', 'b']);
  });

  // SET ROLE checks the session user's chain of SET edges (verified on PG 18: "permission
  // denied to set role"); reachableRoles lets an inherited role's SET edge through. Flip to
  // `it` once privileges.ts follows SET edges only from the app role or roles reached by SET.
  it('an inherited role\'s SET-only membership is not reachable (app → a INHERIT only → b SET only)', () => {
    const snapshot = snapshotWith([
      { member: 'app', role: 'a', inherit: true, set: false },
      { member: 'a', role: 'b', inherit: false, set: true },
    ]);
    expect(reachableRoles(snapshot, 'app').has('b')).toBe(false);
  });
});
