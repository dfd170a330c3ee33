import type { CheckKind, CheckMeta, CheckResult, Finding, Severity } from '../core/check.ts';
import type { Report } from '../core/report.ts';
import { escapeText } from './markdown-escape.ts';

/**
 * SARIF 2.1.0 (OASIS, with errata 01), the format GitHub code scanning and IDE viewers read.
 * One run; one rule per check that ran; one result per finding. Validated in sarif.test.ts
 * against the official JSON schema (test/fixtures/schemas/sarif-schema-2.1.0.json).
 */

/** The `$schema` of every log: the schema OASIS published with SARIF 2.1.0 errata 01. */
export const sarifSchemaUri = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The key of `finding.fingerprint` in `result.partialFingerprints`; bump the version if fingerprints change meaning. */
export const fingerprintKey = 'tenantguard/v1';

/** The base that relative artifact URIs (schema files, the scenario) resolve against. */
export const sourceRootId = '%SRCROOT%';

/** SARIF's level for each severity: what GitHub shows when the rule carries no security-severity. */
export const sarifLevels: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/**
 * GitHub code scanning's `security-severity` (a CVSS-like score as a string): over 9.0 is
 * critical, 7.0–8.9 high, 4.0–6.9 medium, 3.9 or less low. Each value sits inside its band, not
 * on an edge. `info` has none: GitHub then shows the plain level (`note`), not a security grade.
 */
export const securitySeverities: Readonly<Partial<Record<Severity, string>>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0' };

type Json = Record<string, unknown>;

/** The page that documents a check, relative to the repository root (DESIGN §5: audit rules have one page each). */
export function checkDocPath(meta: Pick<CheckMeta, 'id' | 'kind'>): string {
  const pages: Record<CheckKind, string> = {
    audit: `docs/checks/${meta.id}.md`,
    attack: 'docs/attacks.md#the-attacks',
    http: 'docs/attacks.md#http-attacks',
    load: 'README.md#noisy-neighbour-load',
  };
  return pages[meta.kind];
}

/** `rls-disabled` → `RlsDisabled`: SARIF's `name` is a readable identifier, not the id again. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function rule(meta: CheckMeta): Json {
  const doc = checkDocPath(meta);
  const security = securitySeverities[meta.severity];
  return {
    id: meta.id,
    name: pascalCase(meta.id) || meta.id,
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.description },
    // No helpUri: the project has no public home yet, and a made-up link would be worse than none.
    help: {
      text: `${meta.remediation}\n\nDocumentation: ${doc} in the tenantguard package.`,
      markdown: `${escapeText(meta.description)}\n\n**Remediation.** ${escapeText(meta.remediation)}\n\nDocumentation: \`${doc}\` in the tenantguard package.`,
    },
    defaultConfiguration: { level: sarifLevels[meta.severity] },
    properties: {
      tags: ['security', 'tenant-isolation', meta.kind, ...(meta.kind === 'load' ? ['performance'] : [])],
      ...(security ? { 'security-severity': security } : {}),
      // GitHub sorts by precision: attacks report live evidence, audit rules read the catalog, load gates measure.
      precision: meta.kind === 'audit' ? 'high' : meta.kind === 'load' ? 'medium' : 'very-high',
      severity: meta.severity,
    },
  };
}

/**
 * A path as a SARIF artifact location: relative paths (forward slashes, percent-encoded where a
 * URI needs it) against `%SRCROOT%`, so GitHub maps them onto the repository; absolute ones as
 * `file://` URIs, which no base can move.
 */
export function artifactLocation(path: string): Json {
  const slashed = path.replace(/\\/g, '/');
  const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  const drive = /^([A-Za-z]):\//.exec(slashed);
  if (drive) return { uri: `file:///${drive[1]}:/${encode(slashed.slice(3))}` };
  if (slashed.startsWith('/')) return { uri: `file://${encode(slashed)}` };
  return { uri: encode(slashed.replace(/^(\.\/)+/, '')), uriBaseId: sourceRootId };
}

/** The object a finding is about, most specific first, with a kind SARIF consumers can group by. */
function logicalLocation(finding: Finding): Json | null {
  const s = finding.subject;
  const qualified = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined && p !== '').join('.');
  if (s.policy) return { name: s.policy, fullyQualifiedName: qualified(s.schema, s.table, s.policy), kind: 'policy' };
  if (s.function) return { name: s.function, fullyQualifiedName: qualified(s.schema, s.function), kind: 'function' };
  if (s.table) return { name: s.table, fullyQualifiedName: qualified(s.schema, s.table), kind: 'table' };
  if (s.route) return { name: s.route, fullyQualifiedName: s.route, kind: 'route' };
  if (s.role) return { name: s.role, fullyQualifiedName: s.role, kind: 'role' };
  if (s.load) return { name: s.load, fullyQualifiedName: s.load, kind: 'load-step' };
  if (s.schema) return { name: s.schema, fullyQualifiedName: s.schema, kind: 'namespace' };
  return null;
}

/**
 * Where the result points. The schema file and line that created the object when the finding
 * knows it (GitHub annotates that migration line). Otherwise the scenario file: GitHub rejects a
 * whole upload when any result lacks a physical location, and the scenario is what found it.
 * The database object is always added as a logical location.
 */
function locations(finding: Finding, report: Report): Json[] {
  const logical = logicalLocation(finding);
  const logicalPart = logical ? { logicalLocations: [logical] } : {};
  const loc = finding.location;
  if (loc && loc.file !== '') {
    const region: Json = {};
    if (Number.isInteger(loc.line) && loc.line >= 1) {
      region['startLine'] = loc.line;
      if (loc.column !== undefined && Number.isInteger(loc.column) && loc.column >= 1) region['startColumn'] = loc.column;
    }
    const physical = { artifactLocation: artifactLocation(loc.file), ...(Object.keys(region).length > 0 ? { region } : {}) };
    return [{ physicalLocation: physical, ...logicalPart }];
  }
  if (report.scenario.file) {
    return [
      {
        physicalLocation: { artifactLocation: artifactLocation(report.scenario.file), region: { startLine: 1 } },
        message: { text: `Found by running scenario ${report.scenario.name}; no schema file line created this object.` },
        ...logicalPart,
      },
    ];
  }
  return logical ? [logicalPart] : [];
}

function resultMessage(finding: Finding): string {
  const parts = [finding.message];
  if (finding.confirmation === 'confirmed' && finding.confirmedBy?.length) parts.push(`Confirmed live by the attacks: ${finding.confirmedBy.join(', ')}.`);
  if (finding.reproduction) parts.push(`Reproduction:\n${finding.reproduction.trimEnd()}`);
  if (finding.replay) parts.push(`Replay: ${finding.replay.command}`);
  return parts.join('\n\n');
}

function result(check: CheckResult, ruleIndex: number, finding: Finding, report: Report): Json {
  const where = locations(finding, report);
  return {
    ruleId: check.meta.id,
    ruleIndex,
    level: sarifLevels[finding.severity],
    message: { text: resultMessage(finding) },
    ...(where.length > 0 ? { locations: where } : {}),
    partialFingerprints: { [fingerprintKey]: finding.fingerprint },
    ...(finding.baseline ? { baselineState: finding.baseline === 'new' ? 'new' : 'unchanged' } : {}),
    ...(finding.suppressed
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: finding.suppressed.reason,
              ...(finding.suppressed.expires ? { properties: { expires: finding.suppressed.expires } } : {}),
            },
          ],
        }
      : {}),
    properties: {
      severity: finding.severity,
      subject: finding.subject,
      ...(finding.confirmation ? { confirmation: finding.confirmation } : {}),
      ...(finding.confirmedBy ? { confirmedBy: finding.confirmedBy } : {}),
      ...(finding.reproduction ? { reproduction: finding.reproduction } : {}),
      ...(finding.replay ? { replay: finding.replay } : {}),
    },
  };
}

/** What stopped the run, which phases did not run, and which checks could not decide: the tool's own conditions. */
function notifications(report: Report, ruleIndex: Map<string, number>): Json[] {
  const out: Json[] = [];
  if (report.error) {
    const hint = report.error.hint ? ` — ${report.error.hint}` : '';
    out.push({ level: 'error', message: { text: `The run failed (${report.error.code}): ${report.error.message}${hint}` }, properties: { code: report.error.code } });
  } else if (!report.complete) {
    out.push({ level: 'error', message: { text: `The run did not finish: ${report.incompleteReason ?? 'no reason was recorded'}` } });
  }
  for (const phase of report.phases) {
    if (phase.status === 'ran') continue;
    const why = phase.reason ? `: ${phase.reason}` : '';
    const text = phase.status === 'failed' ? `The ${phase.phase} phase failed${why}` : `The ${phase.phase} phase did not run${why}`;
    out.push({ level: phase.status === 'failed' ? 'error' : 'note', message: { text }, properties: { phase: phase.phase, status: phase.status } });
  }
  for (const check of report.results) {
    if (check.verdict !== 'inconclusive') continue;
    out.push({
      level: 'error',
      message: { text: `Check ${check.meta.id} is inconclusive (it could not decide): ${check.error ?? 'no reason was recorded'}` },
      associatedRule: { id: check.meta.id, index: ruleIndex.get(check.meta.id) ?? -1 },
    });
  }
  return out;
}

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The report as a SARIF 2.1.0 log, pretty-printed with a trailing newline. Every finding is a
 * result, suppressed ones included (with a `suppressions` entry, so viewers show them as
 * dismissed) and, with a baseline, marked `new` or `unchanged`. Pure: only the report goes in.
 */
export function renderSarif(report: Report): string {
  const rules: Json[] = [];
  const ruleIndex = new Map<string, number>();
  for (const check of report.results) {
    if (ruleIndex.has(check.meta.id)) continue;
    ruleIndex.set(check.meta.id, rules.length);
    rules.push(rule(check.meta));
  }
  const results = report.results.flatMap((check) => check.findings.map((finding) => result(check, ruleIndex.get(check.meta.id)!, finding, report)));
  const invocation = {
    executionSuccessful: report.complete && !report.error,
    ...(isoTime.test(report.startedAt) ? { startTimeUtc: report.startedAt } : {}),
    ...(isoTime.test(report.finishedAt) ? { endTimeUtc: report.finishedAt } : {}),
    toolExecutionNotifications: notifications(report, ruleIndex),
    properties: {
      verdict: report.verdict,
      verdictReason: report.verdictReason,
      seed: report.seed,
      failOn: report.failOn,
      complete: report.complete,
      scenario: report.scenario.name,
      counts: report.counts,
    },
  };
  const run = {
    tool: {
      driver: { name: 'tenantguard', version: report.tool.version, semanticVersion: report.tool.version, rules },
    },
    // The run's category on GitHub: scenarios uploaded from one repository keep their own alerts.
    automationDetails: { id: `tenantguard/${report.scenario.name}/` },
    originalUriBaseIds: {
      [sourceRootId]: { description: { text: 'The directory tenantguard ran in (the project root): relative schema and scenario paths start there.' } },
    },
    invocations: [invocation],
    results,
    ...(report.baseline ? { properties: { baseline: report.baseline } } : {}),
  };
  return `${JSON.stringify({ $schema: sarifSchemaUri, version: '2.1.0', runs: [run] }, null, 2)}\n`;
}
