import type { CheckResult, Finding } from '../core/check.ts';
import { messageOf } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import type { AuditContext } from './context.ts';
import { auditRules } from './registry.ts';
import { toFinding, type AuditRule, type RuleFinding } from './rule.ts';
import { applySuppressions, type Suppression } from './suppressions.ts';

/** Options of {@link runAudit}. */
export interface AuditOptions {
  /** The rules to run (default: all registered). */
  rules?: readonly AuditRule[];
  suppressions?: readonly Suppression[];
  /** For suppression expiry; default now. */
  now?: Date;
  onEvent?: OnEvent;
}

function locate(context: AuditContext, found: RuleFinding): Finding['location'] {
  const { schema, table, policy, function: fn } = found.subject;
  if (!schema) return undefined;
  if (fn) return context.locate('function', schema, fn);
  if (table && policy) return context.locate('policy', schema, policy, table);
  if (!table) return undefined;
  const kind = context.relation(`${schema}.${table}`)?.kind;
  return context.locate(kind === 'view' || kind === 'materialized-view' ? 'view' : 'table', schema, table);
}

/**
 * Runs every rule over one audit context. A rule that throws makes its check inconclusive,
 * never a pass and never a crash (DESIGN §6). A check fails when it has an unsuppressed
 * finding above info.
 */
export function runAudit(context: AuditContext, options: AuditOptions = {}): CheckResult[] {
  const onEvent = options.onEvent ?? ignoreEvents;
  const rules = options.rules ?? auditRules;
  const results: CheckResult[] = [];
  const all: Finding[] = [];
  for (const rule of rules) {
    const began = performance.now();
    try {
      const findings = rule.check(context).map((found) => {
        const finding = toFinding(rule, found);
        const location = locate(context, found);
        return location ? { ...finding, location } : finding;
      });
      all.push(...findings);
      results.push({ meta: rule.meta, verdict: 'pass', findings, durationMs: performance.now() - began });
    } catch (error) {
      results.push({ meta: rule.meta, verdict: 'inconclusive', findings: [], durationMs: performance.now() - began, error: messageOf(error) });
    }
  }
  const { expired, unused } = applySuppressions(all, options.suppressions ?? [], options.now ?? new Date());
  for (const s of expired) onEvent({ type: 'warning', message: `suppression ${s.fingerprint} expired on ${s.expires}: its findings count again` });
  for (const s of unused) onEvent({ type: 'warning', message: `suppression ${s.fingerprint} matched no finding: remove it` });
  for (const result of results) {
    if (result.verdict === 'inconclusive') continue;
    result.verdict = result.findings.some((f) => !f.suppressed && f.severity !== 'info') ? 'fail' : 'pass';
  }
  return results;
}
