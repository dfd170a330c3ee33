import type { CheckResult } from '../core/check.ts';
import type { Probe } from './probe.ts';

/**
 * Marks static findings that an attack confirmed with live evidence: an audit finding is
 * confirmed when a probe that `confirms` its check leaked through the same relation. The
 * others are marked not confirmed, so the report says which static findings stayed theory.
 */
export function markConfirmations(auditResults: CheckResult[], attackResults: CheckResult[], probes: readonly Probe[]): void {
  const confirms = new Map(probes.map((p) => [p.meta.id, new Set(p.confirms)]));
  const leaks = attackResults.flatMap((r) => r.findings.map((f) => ({ probe: r.meta.id, table: `${f.subject.schema}.${f.subject.table}` })));
  for (const result of auditResults) {
    for (const finding of result.findings) {
      const table = `${finding.subject.schema}.${finding.subject.table}`;
      const by = leaks.filter((l) => l.table === table && confirms.get(l.probe)?.has(finding.checkId)).map((l) => l.probe);
      finding.confirmation = by.length > 0 ? 'confirmed' : 'not-confirmed';
      if (by.length > 0) finding.confirmedBy = [...new Set(by)];
    }
  }
}
