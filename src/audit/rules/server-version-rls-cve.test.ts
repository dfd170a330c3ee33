import { beforeAll, describe, expect, it } from 'vitest';
import { applyFlawFixture, ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import type { CatalogSnapshot } from '../../catalog/snapshot.ts';
import type { Tenancy } from '../../core/tenancy.ts';
import { buildAuditContext } from '../context.ts';
import rule, { parseVersionNum, versionNum } from './server-version-rls-cve.ts';

const server = useTestServer();

// A real snapshot of broken.sql, replayed as if taken on other minor releases.
let snapshot: CatalogSnapshot;
let tenancy: Tenancy;
beforeAll(async () => {
  ({ snapshot, tenancy } = await applyFlawFixture(server(), 'server-version-rls-cve', 'broken'));
});
const findingsOn = (version: string, rls = true) => {
  const [major, minor] = version.startsWith('9.') ? [version.split('.').slice(0, 2).join('.'), Number(version.split('.')[2])] : [version.split('.')[0]!, Number(version.split('.')[1])];
  const relations = rls ? snapshot.relations : snapshot.relations.map((r) => ({ ...r, rlsEnabled: false, rlsForced: false, policies: [] }));
  const replayed = { ...snapshot, relations, serverVersion: version, serverVersionNum: versionNum(major, minor) };
  return rule.check(buildAuditContext(replayed, tenancy));
};
const cves = (version: string) => findingsOn(version).map((f) => [f.evidence?.['cve'], f.evidence?.['fixedIn']]);

describe('server-version-rls-cve', () => {
  it('broken (replayed on vulnerable minors): one finding per CVE the minor release misses, with its fixed version', () => {
    expect(cves('15.2')).toEqual([
      ['CVE-2023-2455', '15.3'],
      ['CVE-2023-39418', '15.4'],
      ['CVE-2024-10976', '15.9'],
      ['CVE-2025-8713', '15.14'],
    ]);
    expect(cves('16.4')).toEqual([
      ['CVE-2024-10976', '16.5'],
      ['CVE-2025-8713', '16.10'],
    ]);
    expect(cves('17.5')).toEqual([['CVE-2025-8713', '17.6']]);
    expect(cves('14.7')).toEqual([
      ['CVE-2023-2455', '14.8'],
      ['CVE-2024-10976', '14.14'],
      ['CVE-2025-8713', '14.19'],
    ]);
    expect(cves('9.6.12')).toEqual([['CVE-2019-10130', '9.6.13']]);
    const [first] = findingsOn('15.2');
    expect(first!.message).toMatch(/^PostgreSQL 15\.2 is affected by CVE-2023-2455: .* Fixed in 15\.3; .*at least 15\.14/);
    expect(first!.key).toBe('CVE-2023-2455');
    expect(first!.fix).toMatch(/server_version_num'\)::int >= 150003;/);
  });

  it('fixed minors, and 18.x which shipped with every fix: no finding', () => {
    for (const version of ['15.14', '15.18', '16.10', '17.6', '18.0', '18.4', '14.23']) expect(cves(version)).toEqual([]);
  });

  it('a database that does not rely on row-level security is not exposed by its bugs', () => {
    expect(findingsOn('15.2', false)).toEqual([]);
  });

  it('live fixtures on the test server, a current minor release: the version, not the SQL, decides', async () => {
    expect(parseVersionNum(server().serverVersionNum).major).toMatch(/^1[5-9]$/);
    expect(await ruleFindings(server(), 'server-version-rls-cve', 'broken')).toEqual([]);
    expect(await ruleFindings(server(), 'server-version-rls-cve', 'fixed')).toEqual([]);
  });

  it('reads server_version_num of both numbering schemes', () => {
    expect(parseVersionNum(150018)).toEqual({ major: '15', minor: 18 });
    expect(parseVersionNum(90613)).toEqual({ major: '9.6', minor: 13 });
    expect(versionNum('9.6', 13)).toBe(90613);
    expect(versionNum('18', 4)).toBe(180004);
  });
});
