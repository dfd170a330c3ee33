import { defineRule, type RuleFinding } from '../rule.ts';

/**
 * Row-level security CVEs and, per affected major, the first minor release that fixes them.
 * Sources: the release notes on postgresql.org (9.6.13/10.8 for CVE-2019-10130, 15.4 for
 * CVE-2023-39418, 16.5 for CVE-2024-10976) and the project's advisories as mirrored by OSV
 * (CVE-2023-2455, CVE-2025-8713). A major absent from `fixedIn` shipped with the fix (18.0
 * includes the August 2025 fixes; 16.0 the MERGE fix) or predates the feature.
 */
const advisories: { cve: string; title: string; fixedIn: Record<string, number> }[] = [
  {
    cve: 'CVE-2016-2193',
    title: 'row-security status not maintained in cached plans when one session runs queries as several roles',
    fixedIn: { '9.5': 2 },
  },
  {
    cve: 'CVE-2017-15099',
    title: 'INSERT ... ON CONFLICT DO UPDATE does not check updated rows against SELECT policies',
    fixedIn: { '9.5': 10, '9.6': 6, '10': 1 },
  },
  {
    cve: 'CVE-2019-10130',
    title: "the planner's selectivity estimators apply leaky operators to statistics of rows row-level security hides",
    fixedIn: { '9.5': 17, '9.6': 13, '10': 8, '11': 3 },
  },
  {
    cve: 'CVE-2023-2455',
    title: 'row security policies disregard user ID changes after inlining a set-returning function (a plan cached under one role serves another)',
    fixedIn: { '11': 20, '12': 15, '13': 11, '14': 8, '15': 3 },
  },
  {
    cve: 'CVE-2023-39418',
    title: 'MERGE fails to enforce UPDATE and SELECT row security policies',
    fixedIn: { '15': 4 },
  },
  {
    cve: 'CVE-2024-10976',
    title: 'row security below subqueries, CTEs and security invoker views disregards user ID changes (a cached plan shows rows of the wrong role)',
    fixedIn: { '12': 21, '13': 17, '14': 14, '15': 9, '16': 5, '17': 1 },
  },
  {
    cve: 'CVE-2025-8713',
    title: 'optimizer statistics expose sampled data of rows a row security policy hides, through partitions and inheritance children (and of views the user cannot read)',
    fixedIn: { '13': 22, '14': 19, '15': 14, '16': 10, '17': 6 },
  },
];

/** `server_version_num` → major (`15`, `9.6`) and minor. Betas and devel builds are minor 0. */
export function parseVersionNum(num: number): { major: string; minor: number } {
  if (num >= 100000) return { major: String(Math.floor(num / 10000)), minor: num % 10000 };
  return { major: `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`, minor: num % 100 };
}

/** The inverse of {@link parseVersionNum}: `15`, 9 → 150009; `9.6`, 13 → 90613. */
export function versionNum(major: string, minor: number): number {
  const [first = 0, second = 0] = major.split('.').map(Number);
  return major.includes('.') ? first * 10000 + second * 100 + minor : first * 10000 + minor;
}

export default defineRule({
  meta: {
    id: 'server-version-rls-cve',
    title: 'Server minor release has a known row-level security vulnerability',
    description:
      'The PostgreSQL server runs a minor release with a published row-level security CVE that a later minor release of the same major fixes, while the database relies on row-level security.',
    severity: 'high',
    remediation: 'Upgrade to the latest minor release of the same major (a restart, no dump and restore).',
  },
  check(context) {
    const { snapshot } = context;
    // Only a database that relies on row-level security is exposed by its bugs.
    if (!snapshot.relations.some((r) => r.rlsEnabled)) return [];
    const { major, minor } = parseVersionNum(snapshot.serverVersionNum);
    const affecting = advisories.filter((a) => a.fixedIn[major] !== undefined && minor < a.fixedIn[major]!);
    const upgradeTo = `${major}.${Math.max(0, ...affecting.map((a) => a.fixedIn[major]!))}`;
    return affecting.map(
      (a): RuleFinding => ({
        message: `PostgreSQL ${snapshot.serverVersion} is affected by ${a.cve}: ${a.title}. Fixed in ${major}.${a.fixedIn[major]}; upgrade to the latest ${major}.x minor release (at least ${upgradeTo} for every row-level security fix listed).`,
        subject: {},
        key: a.cve,
        fix: `-- a minor upgrade: install the latest ${major}.x packages or image and restart; no dump and restore\n-- then check: SELECT current_setting('server_version_num')::int >= ${versionNum(major, a.fixedIn[major]!)};`,
        evidence: { cve: a.cve, serverVersion: snapshot.serverVersion, serverVersionNum: snapshot.serverVersionNum, fixedIn: `${major}.${a.fixedIn[major]}`, upgradeTo },
      }),
    );
  },
});
